import Core
import Journal
import Ledger
import PaystormRuntime

/// The balance transactions of every booking a journal holds, derived as the live system
/// derives them (`BalanceTransactionDerivation`): an audit of a journal needs no running system.
///
/// A booking the ledger refused (an abort follows it) moved nothing and yields nothing. A
/// booking carries no time: a transaction's `created` is the time of its transition, or of the
/// last one journaled before an intent (the live system stamps it when the ledger applied
/// it, a network's latency later at most); the amounts are the same.
public enum BalanceTransactionJournalScan {
    /// Reads `journal` from its origin and hands every transaction to `sink`, in batches.
    /// - Throws: `RecoveryError.undecodable` for a record that does not decode;
    ///   `JournalError.compacted` when snapshots replaced the journal's first records (their
    ///   bookings are no longer there to export).
    /// - Returns: how many transactions were exported.
    @discardableResult
    public static func scan(
        _ journal: any Journal, clock: UnixClock = .standard, sink: BalanceTransactionLog.Sink
    ) async throws -> Int {
        var pending: [UInt64: [Transfer]] = [:]
        var order: [UInt64] = []
        var timeNanoseconds: Int64 = 0
        var exported = 0
        func note(_ booking: PaymentProcess.Booking, of id: PaymentID) {
            flush(id.rawValue)
            pending[id.rawValue] = booking.transfers
            order.append(id.rawValue)
        }
        func flush(_ payment: UInt64) {
            guard let transfers = pending.removeValue(forKey: payment) else { return }
            let transactions = BalanceTransactionDerivation.derive(
                transfers, payment: PaymentID(payment), at: SimTime(nanoseconds: timeNanoseconds),
                clock: clock)
            exported += transactions.count
            sink(transactions)
        }
        for try await entry in journal.entries(from: .origin) {
            do throws(JournalError) {
                guard entry.record.type == PaymentJournalRecord.recordType else { continue }
                switch try entry.record.decode(PaymentJournalRecord.self) {
                case .transition(let transition):
                    timeNanoseconds = max(timeNanoseconds, transition.timeNanoseconds)
                    if let booking = transition.booking { note(booking, of: transition.result.id) }
                case .opened(_, let time, _, _), .acknowledged(_, _, _, let time, _):
                    timeNanoseconds = max(timeNanoseconds, time)
                case .bookingAborted(let id):
                    pending[id.rawValue] = nil
                case .bookingIntent(let id, let booking):
                    note(booking, of: id)
                default:
                    break
                }
            } catch {
                throw RecoveryError.undecodable(entry.position, error)
            }
            // Keeps the order list from growing with the journal: only payments still pending.
            if order.count > 4 * max(pending.count, 1_024) { order = order.filter { pending[$0] != nil } }
        }
        for payment in order { flush(payment) }
        return exported
    }
}
