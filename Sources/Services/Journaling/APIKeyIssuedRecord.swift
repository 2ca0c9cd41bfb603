import Journal

/// An API key handed to a merchant, as journaled: its SHA-256 hash, never the secret. Recovery
/// registers the hash again, so that the clients' keys still authenticate after a restart.
///
/// Layout (version 1): varint merchant id, length-prefixed 32-byte hash.
package struct APIKeyIssuedRecord: JournalCodable, Hashable, Sendable {
    package static let recordType: UInt8 = JournalRecordType.servicesRange.lowerBound + 2
    static let hashLength = 32

    package var merchantID: UInt64
    package var keyHash: [UInt8]

    package init(merchantID: UInt64, keyHash: [UInt8]) {
        self.merchantID = merchantID
        self.keyHash = keyHash
    }

    package func encode(into writer: inout BinaryWriter) {
        writer.writeVarint(merchantID)
        writer.writeBytes(keyHash)
    }

    package init(from reader: inout BinaryReader) throws(JournalError) {
        merchantID = try reader.readVarint()
        keyHash = try reader.readBytes(maxLength: Self.hashLength)
        guard keyHash.count == Self.hashLength else {
            throw .invalidField(
                "APIKeyIssuedRecord.keyHash", reason: "\(keyHash.count) bytes, expected \(Self.hashLength)")
        }
    }
}
