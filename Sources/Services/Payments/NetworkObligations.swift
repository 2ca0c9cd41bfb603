import Core

/// The obligations owed to the networks, per payment in the order they arose: a payment's
/// refund cannot reach the network before its capture, nor its chargeback. The rules in a
/// value; the orchestrator holds it under a lock and performs what it answers.
///
/// The head of a payment's queue is the one being sent; whoever appended the first obligation
/// of an empty queue sends it (`owe` answers true), and whoever finishes a head sends the next.
struct NetworkObligations: Sendable {
    /// Obligations owed at most at once: far above what an outage at the peak leaves (2,000 TPS
    /// for minutes); past it an obligation is counted as dropped, an invariant violation.
    static let owedMax = 2_000_000

    /// A payment's queue: its head inline, what is owed behind it (rare: a refund while the
    /// capture is still being sent) in an array. An array per payment was an allocation for
    /// every obligation, and dropping its head copied it (the table held it too).
    private struct Queue: Sendable {
        var head: NetworkObligation
        var rest: [NetworkObligation] = []
    }

    private var owed: [PaymentID: Queue] = [:]
    private(set) var count = 0
    /// Obligations that met a full table (must stay 0).
    private(set) var dropped: Int64 = 0

    /// Appends `obligation` behind its payment's earlier ones.
    /// - Returns: whether the caller is to send it now (the payment owed nothing before); nil
    ///   when the table is full and it was dropped.
    mutating func owe(_ obligation: NetworkObligation) -> Bool? {
        guard count < Self.owedMax else {
            dropped += 1
            return nil
        }
        count += 1
        if let index = owed.index(forKey: obligation.payment) {
            owed.values[index].rest.append(obligation)
            return false
        }
        owed[obligation.payment] = Queue(head: obligation)
        return true
    }

    /// The payment's obligation being sent now.
    func head(_ payment: PaymentID) -> NetworkObligation? { owed[payment]?.head }

    /// The head was confirmed (or refused for good): drops it.
    /// - Returns: whether the payment owes more (the caller sends the next head).
    mutating func finishHead(_ payment: PaymentID) -> Bool {
        guard let index = owed.index(forKey: payment) else { return false }
        count -= 1
        if owed.values[index].rest.isEmpty {
            owed.remove(at: index)
            return false
        }
        owed.values[index].head = owed.values[index].rest.removeFirst()
        return true
    }

    /// Whether the payment owes a network anything.
    func isOwed(_ payment: PaymentID) -> Bool { owed[payment] != nil }

    /// Payments that owe something, in id order (for reports and tests).
    var payments: [PaymentID] { owed.keys.sorted() }
}
