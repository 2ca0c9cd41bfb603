import Core
import Synchronization

/// The balance transactions a system keeps for queries, and the sink every new one is handed
/// to (an export that streams them to a file).
///
/// Bounded: at most `retainedMax` transactions are kept, the oldest (over all merchants)
/// forgotten first, so that a long run's memory does not grow with its length; the sink sees
/// every one.
public final class BalanceTransactionLog: Sendable {
    /// Where every transaction goes as it is made (called on the booking's task, in order per
    /// payment; it must not block for long).
    public typealias Sink = @Sendable ([BalanceTransaction]) -> Void

    private struct State {
        var byMerchant: [MerchantID: [BalanceTransaction]] = [:]
        /// The payouts among `byMerchant`'s, oldest first: a merchant's payouts list reads
        /// them without visiting its charges (a day's worth of them per payout).
        var payoutsByMerchant: [MerchantID: [BalanceTransaction]] = [:]
        /// The merchant of each kept transaction, oldest first (a ring over `retainedMax`).
        var order: [MerchantID] = []
        var orderStart = 0
        var count = 0
        var recorded: Int64 = 0
    }

    let retainedMax: Int
    let sink: Sink?
    private let state = Mutex(State())

    public init(retainedMax: Int, sink: Sink?) {
        self.retainedMax = max(0, retainedMax)
        self.sink = sink
    }

    /// Keeps and hands on `transactions`.
    func record(_ transactions: [BalanceTransaction]) {
        guard !transactions.isEmpty else { return }
        sink?(transactions)
        let retainedMax = self.retainedMax
        state.withLock { state in
            state.recorded += Int64(transactions.count)
            guard retainedMax > 0 else { return }
            for transaction in transactions {
                if state.count == retainedMax {
                    // Forget the oldest: the first of its merchant's list.
                    let oldest = state.order[state.orderStart]
                    if state.byMerchant[oldest]?.removeFirst().type == .payout {
                        state.payoutsByMerchant[oldest]?.removeFirst()
                        if state.payoutsByMerchant[oldest]?.isEmpty == true {
                            state.payoutsByMerchant[oldest] = nil
                        }
                    }
                    if state.byMerchant[oldest]?.isEmpty == true { state.byMerchant[oldest] = nil }
                    state.order[state.orderStart] = transaction.merchant
                    state.orderStart = (state.orderStart + 1) % retainedMax
                } else {
                    state.order.append(transaction.merchant)
                    state.count += 1
                }
                state.byMerchant[transaction.merchant, default: []].append(transaction)
                if transaction.type == .payout {
                    state.payoutsByMerchant[transaction.merchant, default: []].append(transaction)
                }
            }
        }
    }

    /// The merchant's kept transactions, oldest first (the kept array itself, shared, not
    /// copied).
    func kept(merchant: MerchantID) -> [BalanceTransaction] {
        state.withLock { $0.byMerchant[merchant] ?? [] }
    }

    /// The merchant's kept payouts, oldest first (the kept array itself, shared, not copied).
    func keptPayouts(merchant: MerchantID) -> [BalanceTransaction] {
        state.withLock { $0.payoutsByMerchant[merchant] ?? [] }
    }

    /// The merchant's kept transactions, newest first: at most `limit`, starting after the one
    /// with id `startingAfter` (Stripe's cursor) when given.
    func list(merchant: MerchantID, limit: Int, startingAfter: String?) -> [BalanceTransaction] {
        let kept = state.withLock { $0.byMerchant[merchant] ?? [] }
        var newestFirst = kept.reversed()[...]
        if let startingAfter {
            guard let index = newestFirst.firstIndex(where: { $0.id == startingAfter }) else { return [] }
            newestFirst = newestFirst[newestFirst.index(after: index)...]
        }
        return Array(newestFirst.prefix(max(0, limit)))
    }

    /// Transactions made since the system started (kept or not).
    public var recorded: Int64 { state.withLock { $0.recorded } }
}
