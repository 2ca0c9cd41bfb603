import Core
import DequeModule
import Ledger
import Synchronization

/// The ledger transfers each payment's bookings applied, as the processor reported them, for
/// the payment page's ledger entries (the ledger itself keeps balances per account, not
/// entries per payment).
///
/// Bounded: the entries of at most `paymentsMax` payments are kept, the payment booked first
/// forgotten first, so that a long-lived server does not grow with them.
final class LedgerEntryLog: Sendable {
    /// One applied transfer and when the server was told of it.
    struct Entry: Sendable {
        var transfer: Transfer
        var createdUnixSeconds: Int64
    }

    static let paymentsMax = 100_000
    /// Transfers kept per payment at most (a payment books a handful: hold, capture, fee,
    /// refunds, a dispute); past it the newest are dropped and the page says so.
    static let entriesPerPaymentMax = 64

    private struct State {
        var entries: [PaymentID: [Entry]] = [:]
        var order = Deque<PaymentID>()
    }

    private let state = Mutex(State())

    func record(_ transfers: [Transfer], payment: PaymentID, createdUnixSeconds: Int64) {
        guard !transfers.isEmpty else { return }
        state.withLock { state in
            if state.entries[payment] == nil {
                if state.order.count >= Self.paymentsMax, let oldest = state.order.popFirst() {
                    state.entries[oldest] = nil
                }
                state.order.append(payment)
            }
            for transfer in transfers
            where state.entries[payment, default: []].count < Self.entriesPerPaymentMax {
                state.entries[payment, default: []].append(
                    Entry(transfer: transfer, createdUnixSeconds: createdUnixSeconds))
            }
        }
    }

    /// The payment's entries, in the order they were applied.
    func entries(of payment: PaymentID) -> [Entry] { state.withLock { $0.entries[payment] ?? [] } }
}
