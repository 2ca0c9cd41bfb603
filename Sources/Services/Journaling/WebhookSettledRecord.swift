import Journal

/// A webhook event's delivery ended: delivered, or dead-lettered after its last attempt. With the
/// events each transition journals, this is what tells recovery which events are still owed to
/// their merchants (emitted, never settled): a resumed system delivers them again, and the
/// endpoints de-duplicate by event id.
///
/// Layout (version 1): varint event id, outcome u8 (0 delivered, 1 dead-lettered).
package struct WebhookSettledRecord: JournalCodable, Hashable, Sendable {
    package static let recordType: UInt8 = JournalRecordType.servicesRange.lowerBound + 3

    package var eventID: UInt64
    package var deadLettered: Bool

    package init(eventID: UInt64, deadLettered: Bool) {
        self.eventID = eventID
        self.deadLettered = deadLettered
    }

    package func encode(into writer: inout BinaryWriter) {
        writer.writeVarint(eventID)
        writer.write(deadLettered ? UInt8(1) : 0)
    }

    package init(from reader: inout BinaryReader) throws(JournalError) {
        eventID = try reader.readVarint()
        let outcome = try reader.readUInt8()
        guard outcome <= 1 else {
            throw .invalidField("WebhookSettledRecord.outcome", reason: "unknown outcome \(outcome)")
        }
        deadLettered = outcome == 1
    }
}
