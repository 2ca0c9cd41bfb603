/// A payload that can be journaled: it knows its type tag and format version and encodes
/// itself with `BinaryWriter`.
///
/// Other modules (Ledger, Services) define their own record payloads by conforming to this.
/// Type tags are global across the system; allocate them from `JournalRecordType` so that two
/// modules never collide.
///
/// Versioning: bump `formatVersion` when the layout changes and keep decoding older versions
/// by branching on `reader.version`. A record with a version newer than `formatVersion` is
/// refused (`JournalError.unsupportedVersion`) rather than misread.
public protocol JournalCodable: Sendable {
    static var recordType: UInt8 { get }
    /// The layout this build writes; decoders accept 1...formatVersion.
    static var formatVersion: UInt8 { get }
    func encode(into writer: inout BinaryWriter)
    init(from reader: inout BinaryReader) throws(JournalError)
}

extension JournalCodable {
    public static var formatVersion: UInt8 { 1 }
}

/// The registry of record type tags, so that modules defining payloads do not collide.
///
/// - 0: never used (a zeroed frame is never a valid record).
/// - 1...15: Journal's own records (below).
/// - 16...63: Ledger.
/// - 64...127: Services.
/// - 128...255: reserved (Scenarios, tests, future); 160: the HTTP server's own objects
///   (`ServerRecord` in Server).
public enum JournalRecordType {
    public static let ledgerTransfer: UInt8 = 1
    public static let paymentEvent: UInt8 = 2
    public static let ledgerRange: ClosedRange<UInt8> = 16...63
    public static let servicesRange: ClosedRange<UInt8> = 64...127
    public static let reservedRange: ClosedRange<UInt8> = 128...255
}
