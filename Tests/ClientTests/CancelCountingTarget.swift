import Client
import Core
import Scenarios
import Services
import Synchronization

/// The HTTP target, counting the cancels the server answered with a canceled intent that keeps
/// the reason the client sent: what shows that a void went over the wire, not around it.
final class CancelCountingTarget: AuditableTarget {
    let inner: HTTPPaymentTarget
    private let canceled = Atomic<Int>(0)
    var canceledAnswers: Int { canceled.load(ordering: .relaxed) }

    init(_ inner: HTTPPaymentTarget) { self.inner = inner }

    func cancel(
        _ id: PaymentID, merchant: MerchantID, apiKey: String, idempotencyKey: String
    ) async -> APIResponse? {
        let answer = await inner.cancel(
            id, merchant: merchant, apiKey: apiKey, idempotencyKey: idempotencyKey)
        if let answer, answer.isSuccess, answer.body.contains("\"status\":\"canceled\""),
            answer.body.contains("\"cancellation_reason\":\"requested_by_customer\"")
        {
            canceled.add(1, ordering: .relaxed)
        }
        return answer
    }

    func audit() async -> TargetAudit? { await inner.audit() }
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
