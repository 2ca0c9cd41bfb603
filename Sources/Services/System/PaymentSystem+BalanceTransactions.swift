import Core

extension PaymentSystem {
    /// `GET /v1/balance_transactions` for `merchant`: its balance transactions, newest first, at
    /// most `limit` (Stripe's default 10, at most 100), after the one with id `startingAfter`
    /// when given (Stripe's cursor). Only the latest `balanceTransactionsRetainedMax` of the
    /// system are kept; an export (`balanceTransactionSink`) sees every one.
    public func balanceTransactions(
        merchant: MerchantID, limit: Int = 10, startingAfter: String? = nil
    ) async -> [BalanceTransaction] {
        orchestrator.balanceTransactions?.list(
            merchant: merchant, limit: min(max(limit, 1), 100), startingAfter: startingAfter) ?? []
    }

    /// `GET /v1/balance_transactions/:id`: one of `merchant`'s kept balance transactions, or
    /// nil (also for another merchant's).
    public func balanceTransaction(_ id: String, merchant: MerchantID) -> BalanceTransaction? {
        orchestrator.balanceTransactions?.kept(merchant: merchant).last { $0.id == id }
    }

    /// The balance transactions of `merchant`'s payouts (one per payout, its `source` the
    /// payout's `po_` id), newest first: what `GET /v1/payouts` lists.
    public func payoutTransactions(merchant: MerchantID) -> [BalanceTransaction] {
        (orchestrator.balanceTransactions?.keptPayouts(merchant: merchant) ?? []).reversed()
    }

    /// Every balance transaction of `merchant` the system still keeps, oldest first: what a
    /// dashboard groups by day and currency and downloads as CSV.
    public func keptBalanceTransactions(merchant: MerchantID) -> [BalanceTransaction] {
        orchestrator.balanceTransactions?.kept(merchant: merchant) ?? []
    }

    /// Balance transactions made since this system started, kept or not.
    public var balanceTransactionsRecorded: Int64 { orchestrator.balanceTransactions?.recorded ?? 0 }
}
