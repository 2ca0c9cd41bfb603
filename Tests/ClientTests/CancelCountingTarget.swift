import Client
import Core
import Scenarios
import Services
import Synchronization

/// The HTTP target, counting the cancels the server answered with a canceled intent that keeps
/// the reason the client sent: what shows that a void went over the wire, not around it.
final class CancelCountingTarget: ForwardingTarget, AuditableTarget {
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
}
