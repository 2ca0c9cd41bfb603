import Journal

/// A block of payment ids a resumed process reserved before serving, as journaled.
///
/// A process hands out ids it has not journaled yet (requests in flight), and the card networks
/// may have seen them. A resumed process therefore starts at a fresh block; without this record
/// a second restart, finding no journaled payment in the block the first one used, would start
/// that block again and reuse ids a network already holds authorizations for.
///
/// Layout (version 1): varint first id of the block.
package struct PaymentIDBlockRecord: JournalCodable, Hashable, Sendable {
    package static let recordType: UInt8 = JournalRecordType.servicesRange.lowerBound + 4

    package var firstID: UInt64

    package init(firstID: UInt64) {
        self.firstID = firstID
    }

    package func encode(into writer: inout BinaryWriter) {
        writer.writeVarint(firstID)
    }

    package init(from reader: inout BinaryReader) throws(JournalError) {
        firstID = try reader.readVarint()
    }
}
