/// One journaled record: a type tag, the format version of its payload, and the payload bytes.
///
/// The journal stores and checksums records without understanding them; the type tag says which
/// `JournalCodable` decodes the payload.
public struct JournalRecord: Hashable, Sendable {
    public let type: UInt8
    public let version: UInt8
    public let payload: [UInt8]

    public init(type: UInt8, version: UInt8 = 1, payload: [UInt8]) {
        self.type = type
        self.version = version
        self.payload = payload
    }

    /// Encodes `value` with its own type tag and current format version.
    public init<Value: JournalCodable>(_ value: Value) {
        var writer = BinaryWriter()
        value.encode(into: &writer)
        self.init(type: Value.recordType, version: Value.formatVersion, payload: writer.bytes)
    }

    /// Decodes the payload as `Value`, checking the type tag, the version and that every byte
    /// was consumed.
    public func decode<Value: JournalCodable>(_: Value.Type = Value.self) throws(JournalError) -> Value {
        guard type == Value.recordType else {
            throw .unexpectedRecordType(expected: Value.recordType, found: type)
        }
        guard version >= 1 && version <= Value.formatVersion else {
            throw .unsupportedVersion(recordType: type, version: version, supported: Value.formatVersion)
        }
        var reader = BinaryReader(payload, version: version)
        let value = try Value(from: &reader)
        try reader.expectEnd()
        return value
    }
}
