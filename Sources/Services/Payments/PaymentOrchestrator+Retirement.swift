import Core

extension PaymentOrchestrator {
    /// Forgets a payment its caller will not touch again, returning its final record so the
    /// caller can check it.
    ///
    /// Why: a Black-Friday run creates millions of payments; keeping every record would make
    /// memory grow with the run's length. The scenario runner retires each payment when its
    /// journey ends, after checking it, so the shards hold only payments in flight. Its money
    /// stays in the ledger and in the merchant's view, which are what settlement reads.
    public func retire(_ id: PaymentID) async -> PaymentRecord? {
        await retireCountingEvents(id, waitingForNetworks: false).record
    }

    /// Retires the payment and returns, with its final record, how many events the sink emitted
    /// for it, for the invariant "every state change yields exactly one event".
    ///
    /// Waits first until the payment owes the networks nothing (a reversal, capture or refund
    /// sent during an outage is retried until confirmed): a payment is checked when its money
    /// has stopped moving.
    public func retireCountingEvents(
        _ id: PaymentID, waitingForNetworks: Bool = true
    ) async -> (record: PaymentRecord?, emittedEvents: Int) {
        if waitingForNetworks { await awaitNetworkObligations(id) }
        let record = shard(id).remove(id)
        let emitted = events.takeEmittedCount(for: id)
        // Journaled so that recovery's fold forgets the payment too (its memory then follows the
        // payments in flight, not the run's length). Tried once, not awaited for durability's
        // sake: a lost retirement only leaves the payment in the fold, as before.
        if record != nil { await paymentJournal.retirement(of: id) }
        return (record, emitted)
    }

    /// Payments currently held (in flight, or not retired).
    public func heldPayments() async -> Int {
        var total = 0
        for shard in shards { total += shard.count }
        return total
    }
}
