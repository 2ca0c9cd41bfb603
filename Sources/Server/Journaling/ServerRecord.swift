import Foundation
import Journal

/// One change of the API's own objects (what `ObjectStore` holds around the processor's
/// records), journaled in the processor's journal before the answer that shows it: one
/// durability boundary for the payments and for what the API says about them.
///
/// The payload is the change's image in JSON: these records are few per request and read
/// only by a resuming server, so a self-describing layout is worth more than a compact one.
struct ServerRecord: JournalCodable, Sendable {
    /// The first tag of the range the journal keeps for modules above Services.
    static let recordType: UInt8 = JournalRecordType.reservedRange.lowerBound + 32

    enum Kind: UInt8, Sendable {
        case intent = 1
        case refund = 2
        case dispute = 3
        case endpointAdded = 4
        case endpointRemoved = 5
        case event = 6
        case answer = 7
        /// A dashboard key's entry (name, kind, a roll's expiry), as it now stands.
        case keyEntry = 8
        /// A webhook delivery that needs no more attempts (delivered, or dead-lettered).
        case deliverySettled = 9
    }

    let kind: Kind
    let image: [UInt8]

    init(_ kind: Kind, _ image: some Encodable) {
        self.kind = kind
        // The images are plain structs of strings and integers: encoding them cannot fail.
        self.image = Array((try? Self.encoder.encode(image)) ?? Data())
    }

    func encode(into writer: inout BinaryWriter) {
        writer.write(kind.rawValue)
        writer.writeBytes(image)
    }

    init(from reader: inout BinaryReader) throws(JournalError) {
        let tag = try reader.readUInt8()
        guard let kind = Kind(rawValue: tag) else {
            throw .invalidField("kind", reason: "unknown server record kind \(tag)")
        }
        self.kind = kind
        image = try reader.readBytes()
    }

    /// The image as `Image`, or nil when it does not decode (a record of a newer layout).
    func decode<Image: Decodable>(_: Image.Type) -> Image? {
        try? JSONDecoder().decode(Image.self, from: Data(image))
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
}
