import Core
import Journal

/// The card-related fields the journal keeps about a payment, sealed with AES-GCM
/// (`FieldCipher`) under the run's journal key: the vault token, brand, funding, last four
/// digits, expiry, BIN country and fingerprint. Never a PAN: `Card` holds none, and the cipher
/// refuses to seal anything that looks like one.
///
/// Sealed once per payment, into its first journaled transition (`JournaledTransition`'s
/// `sealedCard`, or its opening's), with the payment id as the GCM nonce counter (ids are unique within a
/// journal, across restarts: a resumed system starts at the next id block) and as the
/// authenticated context (sealed fields moved onto another payment's record do not open).
///
/// The plaintext is a version byte (2), then the fields as `BinaryEncoder` writes them (strings
/// length-prefixed, integers as varints). Binary, so that the fingerprint's hex digits never
/// form a run the PAN detector would refuse.
public struct JournaledCardFields: Sendable, Hashable, Codable {
    public var token: String
    public var brand: String
    public var funding: String
    public var last4: String
    public var expiryMonth: Int
    public var expiryYear: Int
    public var country: String
    /// The card's fingerprint, as the fraud engine keys on it.
    public var fingerprint: UInt64

    /// The fields of `card`; `fingerprint` is the number the fraud engine derived from it.
    public init(_ card: Card, fingerprint: UInt64) {
        token = card.token
        brand = card.brand.rawValue
        funding = card.funding.rawValue
        last4 = card.last4
        expiryMonth = card.expiryMonth
        expiryYear = card.expiryYear
        country = card.country
        self.fingerprint = fingerprint
    }

    static let formatVersion: UInt8 = 2

    var plaintext: [UInt8] {
        var writer = BinaryWriter()
        writer.write(Self.formatVersion)
        // `BinaryEncoder` refuses no value of these fields.
        try? BinaryEncoder().encode(self, into: &writer)
        return writer.bytes
    }

    init(plaintext: [UInt8]) throws(JournalError) {
        var reader = BinaryReader(plaintext, version: 1)
        let version = try reader.readUInt8()
        guard version == Self.formatVersion else {
            throw .invalidField("JournaledCardFields.version", reason: "unknown version \(version)")
        }
        do {
            self = try BinaryDecoder().decode(Self.self, from: &reader)
        } catch {
            throw .invalidField("JournaledCardFields", reason: "\(error)")
        }
        try reader.expectEnd()
    }

    /// The context the sealed bytes are bound to: the payment's id.
    static func context(_ payment: PaymentID) -> [UInt8] {
        withUnsafeBytes(of: payment.rawValue.littleEndian) { Array($0) }
    }

    /// Seals the fields for `payment`'s record.
    /// - Throws: `JournalError.panRejected` if a field looks like a card number, `.cipher`.
    func sealed(for payment: PaymentID, with cipher: FieldCipher) throws(JournalError) -> [UInt8] {
        try cipher.seal(plaintext, counter: payment.rawValue, authenticating: Self.context(payment))
    }

    /// Opens what `sealed(for:with:)` produced.
    /// - Throws: `JournalError.cipher` for a wrong key or bytes moved from another payment.
    static func opening(
        _ sealed: [UInt8], for payment: PaymentID, with cipher: FieldCipher
    ) throws(JournalError) -> JournaledCardFields {
        try JournaledCardFields(plaintext: cipher.open(sealed, authenticating: context(payment)))
    }
}
