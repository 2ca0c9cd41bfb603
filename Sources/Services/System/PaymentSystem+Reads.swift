import Core
import Ledger

/// The API's reads and the network's side of a dispute, as the runner, the HTTP server and an
/// embedder call them: each read is of one merchant's objects (the caller authenticated its key
/// with `admit(apiKey:)`), and another merchant's object reads as absent (Stripe's 404).
extension PaymentSystem {
    // MARK: Payments

    /// One of `merchant`'s payments as it stands, or nil, without suspending (what
    /// `payment(_:of:)`, `GET /v1/payment_intents/:id`, answers).
    private func held(_ id: PaymentID, of merchant: MerchantID) -> PaymentRecord? {
        guard let record = orchestrator.shard(id).record(id), record.merchant == merchant else { return nil }
        return record
    }

    /// `GET /v1/payment_intents`: a page of `merchant`'s payments held (not yet retired), newest
    /// first.
    public func listPayments(
        merchant: MerchantID, _ query: PaymentListQuery = PaymentListQuery()
    ) -> PaymentPage {
        var records: [PaymentID: PaymentRecord] = [:]
        let (ids, hasMore) = orchestrator.merchantIndex.newest(
            of: merchant, before: query.startingAfter, limit: query.limit
        ) { id in
            guard let record = orchestrator.shard(id).record(id) else { return false }
            if let after = query.createdAtOrAfter, record.createdAt < after { return false }
            if let status = query.status, record.payment.state.stripeStatus != status { return false }
            records[id] = record
            return true
        }
        return PaymentPage(payments: ids.compactMap { records[$0] }, hasMore: hasMore)
    }

    // MARK: Refunds

    /// What `merchant`'s payment has had refunded so far, in its currency, or nil for a payment
    /// not held (or another merchant's).
    public func refunded(_ id: PaymentID, merchant: MerchantID) -> Money? {
        held(id, of: merchant)?.payment.amountRefunded
    }

    // MARK: Disputes

    /// `GET /v1/disputes/:id`: the dispute on `merchant`'s payment, or nil when it has none.
    public func dispute(of id: PaymentID, merchant: MerchantID) -> PaymentDispute? {
        held(id, of: merchant)?.payment.dispute
    }

    /// The cardholder's bank escalates an open inquiry into a chargeback (the network's side:
    /// no key). The disputed amount and the fee are withdrawn from the merchant now.
    public func escalateInquiry(_ id: PaymentID) async throws(PaymentServiceError) -> PaymentRecord {
        try await orchestrator.escalateInquiry(id)
    }

    /// The cardholder's bank closes an open inquiry without a chargeback (the network's side).
    public func closeInquiry(_ id: PaymentID) async throws(PaymentServiceError) -> PaymentRecord {
        try await orchestrator.closeInquiry(id)
    }

    /// The network decides a chargeback: won gives the amount and the fee back to the merchant,
    /// lost leaves them withdrawn. (The merchant's own close, `respondToDispute(accept: true)`,
    /// is a loss it accepts.)
    public func decideDispute(_ id: PaymentID, won: Bool) async throws(PaymentServiceError) -> PaymentRecord {
        try await orchestrator.closeDispute(id, won: won)
    }

    // MARK: Balance, payouts, events

    /// `GET /v1/balance`: `merchant`'s balance in its settlement currency (the only currency its
    /// balance is booked in: a payment in another currency is converted at capture), or nil for
    /// a merchant never onboarded.
    public func balance(of merchant: MerchantID) async -> MerchantBalance? {
        guard let account = await merchants.account(merchant) else { return nil }
        let currency = account.settlementCurrency
        let available = await ledger.balance(of: .merchantBalance(merchant, currency)).balance
        let pending = await ledger.balance(of: .merchantPending(merchant, currency)).balance
        return MerchantBalance(
            available: Money(minorUnits: available, currency: currency),
            pending: Money(minorUnits: pending, currency: currency))
    }

    /// `GET /v1/payouts`: the balance transactions of `merchant`'s payouts still kept (one per
    /// payout, its `source` the payout's `po_` id), newest first, at most `limit`.
    public func payouts(of merchant: MerchantID, limit: Int = 10) -> [BalanceTransaction] {
        Array(payoutTransactions(merchant: merchant).prefix(min(max(limit, 1), 100)))
    }

    /// `GET /v1/events`: `merchant`'s events among the last `PaymentEventSink.logMax` the system
    /// emitted, newest first, at most `limit`.
    public func events(of merchant: MerchantID, limit: Int = 10) -> [PaymentEventSink.EmittedEvent] {
        events.recentEvents(of: merchant, limit: min(max(limit, 1), 100))
    }
}
