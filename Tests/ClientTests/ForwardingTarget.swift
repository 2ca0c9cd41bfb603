import Core
import Scenarios
import Services

/// A target wrapped by a test to change a few calls (lose an answer, count one, forge one): every
/// call it does not implement itself goes to `inner` unchanged.
protocol ForwardingTarget: PaymentTarget {
    associatedtype Inner: PaymentTarget
    var inner: Inner { get }
}

extension ForwardingTarget {
    func onboard(_ merchant: MerchantID, settlementCurrency: Currency) async throws -> String? {
        try await inner.onboard(merchant, settlementCurrency: settlementCurrency)
    }
    func createPayment(_ order: PaymentOrder, apiKey: String, idempotencyKey: String) async -> APIResponse? {
        await inner.createPayment(order, apiKey: apiKey, idempotencyKey: idempotencyKey)
    }
    func capture(
        _ id: PaymentID, amountMinorUnits: Int64?, merchant: MerchantID, apiKey: String,
        idempotencyKey: String
    ) async -> APIResponse? {
        await inner.capture(
            id, amountMinorUnits: amountMinorUnits, merchant: merchant, apiKey: apiKey,
            idempotencyKey: idempotencyKey)
    }
    func cancel(
        _ id: PaymentID, merchant: MerchantID, apiKey: String, idempotencyKey: String
    ) async -> APIResponse? {
        await inner.cancel(id, merchant: merchant, apiKey: apiKey, idempotencyKey: idempotencyKey)
    }
    func refund(
        _ id: PaymentID, amountMinorUnits: Int64, merchant: MerchantID, apiKey: String, idempotencyKey: String
    ) async -> APIResponse? {
        await inner.refund(
            id, amountMinorUnits: amountMinorUnits, merchant: merchant, apiKey: apiKey,
            idempotencyKey: idempotencyKey)
    }
    func submitDisputeEvidence(
        _ id: PaymentID, merchant: MerchantID, apiKey: String, idempotencyKey: String
    ) async -> APIResponse? {
        await inner.submitDisputeEvidence(
            id, merchant: merchant, apiKey: apiKey, idempotencyKey: idempotencyKey)
    }
    func retrievePayment(_ id: PaymentID, merchant: MerchantID, apiKey: String) async -> APIResponse? {
        await inner.retrievePayment(id, merchant: merchant, apiKey: apiKey)
    }
    func refundedMinorUnits(_ id: PaymentID, merchant: MerchantID, apiKey: String) async -> Int64? {
        await inner.refundedMinorUnits(id, merchant: merchant, apiKey: apiKey)
    }
    func listPayments(
        apiKey: String, createdWithinSeconds: Int64, limit: Int, startingAfter: String?
    ) async -> APIResponse? {
        await inner.listPayments(
            apiKey: apiKey, createdWithinSeconds: createdWithinSeconds, limit: limit,
            startingAfter: startingAfter)
    }
    func searchPayments(
        apiKey: String, status: String, createdWithinSeconds: Int64, limit: Int, page: String?
    ) async -> APIResponse? {
        await inner.searchPayments(
            apiKey: apiKey, status: status, createdWithinSeconds: createdWithinSeconds, limit: limit,
            page: page)
    }
    func balance(apiKey: String) async -> APIResponse? { await inner.balance(apiKey: apiKey) }
    func listPayouts(apiKey: String, limit: Int) async -> APIResponse? {
        await inner.listPayouts(apiKey: apiKey, limit: limit)
    }
}
