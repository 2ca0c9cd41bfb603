import Journal

/// A payment's journey ended and the live system forgot it (`PaymentOrchestrator.retire`): the
/// scenario runner checked its final record first, and nothing will touch it again.
///
/// Why journaled: without it recovery's fold (and every snapshot of it) keeps every payment of
/// the run with its keys, answers and card fields, so a long run's journal state grows with its
/// length although the live system holds only payments in flight. On this record the fold
/// forgets the payment's details and keeps only that it was retired.
///
/// Appended after the payment's last journaled step; a retirement the journal refused only
/// leaves the payment in the fold (recovery then rebuilds it, as before this record existed).
///
/// Layout (version 1): varint payment id.
package struct PaymentRetiredRecord: JournalCodable, Hashable, Sendable {
    package static let recordType: UInt8 = JournalRecordType.servicesRange.lowerBound + 5

    package var paymentID: UInt64

    package init(paymentID: UInt64) {
        self.paymentID = paymentID
    }

    package func encode(into writer: inout BinaryWriter) {
        writer.writeVarint(paymentID)
    }

    package init(from reader: inout BinaryReader) throws(JournalError) {
        paymentID = try reader.readVarint()
        guard paymentID != 0 else {
            throw .invalidField(
                "PaymentRetiredRecord.paymentID", reason: "0 is the payouts' track, not a payment")
        }
    }
}
