import Core
import Foundation
import Services

/// `/v1/payouts` and `/v1/balance_transactions/:id`: what the daily settlement paid each
/// merchant, in Stripe's payout shape, from the payouts' balance transactions.
extension StripeAPI {
    /// A payout arrives this long after it is made (Stripe's standard payouts: the next
    /// business days; one day here).
    static let payoutArrivalDelaySeconds: Int64 = 86_400

    func listPayouts(_ request: APIRequest) throws(StripeError) -> APIAnswer {
        let backend = backend()
        let merchant = try admit(request, backend)
        try request.form.onlyAllow(ListPage.parameters.union(["status", "arrival_date", "destination"]))
        var payouts = backend.system.payoutTransactions(merchant: merchant).reversed().map { $0 }
        if let status = request.form.string("status") {
            let now = ServerBackend.now()
            payouts = payouts.filter { Self.payoutStatus($0, now: now) == status }
        }
        let (items, hasMore) = try ListPage(request.form).page(payouts, id: \.source, created: \.created)
        let now = ServerBackend.now()
        return APIAnswer(
            json: StripeRenderer.list(
                items.map { Self.payout($0, now: now) }, hasMore: hasMore, url: "/v1/payouts"))
    }

    func retrievePayout(_ request: APIRequest, id: String) async throws(StripeError) -> APIAnswer {
        let backend = backend()
        let merchant = try admit(request, backend)
        try request.form.onlyAllow(["expand"])
        guard id.hasPrefix("po_"),
            let transaction = backend.system.payoutTransactions(merchant: merchant).first(where: {
                $0.source == id
            })
        else {
            throw StripeError.noSuch("payout", id)
        }
        return APIAnswer(json: Self.payout(transaction, now: ServerBackend.now()))
    }

    func retrieveBalanceTransaction(_ request: APIRequest, id: String) async throws(StripeError) -> APIAnswer
    {
        let backend = backend()
        let merchant = try admit(request, backend)
        try request.form.onlyAllow(["expand"])
        guard id.hasPrefix("txn_"),
            let transaction = backend.system.balanceTransaction(id, merchant: merchant)
        else {
            throw StripeError.noSuch("balance_transaction", id)
        }
        return APIAnswer(json: Self.balanceTransaction(transaction))
    }

    /// `paid` once its arrival date has come, `in_transit` before.
    static func payoutStatus(_ transaction: BalanceTransaction, now: Int64) -> String {
        transaction.created + payoutArrivalDelaySeconds <= now ? "paid" : "in_transit"
    }

    /// Stripe's payout object for a payout's balance transaction (whose amount is the payout's,
    /// negated: it leaves the balance).
    static func payout(_ transaction: BalanceTransaction, now: Int64) -> JSON {
        .object([
            ("id", .string(transaction.source)), ("object", "payout"),
            ("amount", .integer(-transaction.amount)),
            ("application_fee", nil), ("application_fee_amount", nil),
            ("arrival_date", .integer(transaction.created + payoutArrivalDelaySeconds)),
            ("automatic", true),
            ("balance_transaction", .string(transaction.id)),
            ("created", .integer(transaction.created)),
            ("currency", .string(transaction.currency)),
            ("description", "STRIPE PAYOUT"),
            ("destination", nil),
            ("failure_balance_transaction", nil), ("failure_code", nil), ("failure_message", nil),
            ("livemode", false),
            ("metadata", .object([])),
            ("method", "standard"),
            ("original_payout", nil),
            ("reconciliation_status", "completed"),
            ("reversed_by", nil),
            ("source_type", "card"),
            ("statement_descriptor", nil),
            ("status", .string(payoutStatus(transaction, now: now))),
            ("type", "bank_account"),
        ])
    }
}
