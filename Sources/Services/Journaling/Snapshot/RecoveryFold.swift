import Core
import Journal
import Ledger

/// Recovery's whole fold of a journal prefix: the payment state (`PaymentRecoveryState`), the
/// ledger (`LedgerFold`) and the position of the last record folded. Synchronous: the driver
/// reads entries and hands them in one at a time.
///
/// One type for both users of the fold, so that a snapshot is exactly what recovery would have
/// at that position: `PaymentSystemRecovery` folds the tail after the latest snapshot (or the
/// whole journal) and finishes; `JournalCheckpointer` folds as the journal grows and encodes
/// itself every N records (`RecoverySnapshot`). Encoding never flushes or repairs anything, so
/// taking a snapshot does not change what the fold goes on to compute.
struct RecoveryFold: Sendable {
    var state: PaymentRecoveryState
    var ledger: LedgerFold
    /// The last record folded (`.origin` before any).
    var position = JournalPosition.origin
    /// Records folded since the journal's first, through every snapshot this fold came from.
    var records = 0

    /// Folds the journal's next entry.
    /// - Throws: `LedgerReplayError.undecodable` for a ledger transfer that does not decode,
    ///   `RecoveryError.cardFields` / `.undecodable` for other records, `.journalFormat` for a
    ///   record of an earlier format.
    mutating func apply(_ entry: JournalEntry) throws {
        if entry.record.type == LedgerTransferRecord.recordType {
            let transfer: Transfer
            do {
                transfer = try Transfer(journalRecord: entry.record.decode(LedgerTransferRecord.self))
            } catch {
                throw LedgerReplayError.undecodable(entry.position, error)
            }
            state.noteTransfer(transfer.id)
            ledger.add(transfer)
        } else if PaymentJournalRecord.formatOneTypes.contains(entry.record.type) {
            throw RecoveryError.journalFormat(entry.position, version: 1)
        } else if entry.record.type == PaymentJournalRecord.recordType,
            entry.record.version != PaymentJournalRecord.formatVersion
        {
            throw RecoveryError.journalFormat(entry.position, version: entry.record.version)
        } else {
            do {
                try state.apply(entry.record)
            } catch {
                if case .cipher(let reason) = error {
                    throw RecoveryError.cardFields(entry.position, reason)
                }
                throw RecoveryError.undecodable(entry.position, error)
            }
        }
        records += 1
        position = entry.position
    }
}
