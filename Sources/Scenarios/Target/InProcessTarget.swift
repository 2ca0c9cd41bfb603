import Core
import Services

/// The in-process facade as a target: each call is the facade's own, unchanged, so a simulated
/// run keeps its digest.
struct InProcessTarget: PaymentTarget {
    let system: PaymentSystem

    func onboard(_ merchant: MerchantID, settlementCurrency: Currency) async throws -> String? {
        // Onboarded by a call whose answer was lost (a crash), or whose key the journal refused:
        // the merchant exists, so it asks for another key.
        if let key = try await system.onboard(merchant, settlementCurrency: settlementCurrency) {
            return key.secret
        }
        return try await system.issueAPIKey(for: merchant)?.secret
    }

    func createPayment(_ order: PaymentOrder, apiKey: String, idempotencyKey: String) async -> APIResponse? {
        await system.createPayment(order.request, apiKey: apiKey, idempotencyKey: idempotencyKey)
    }

    func capture(
        _ id: PaymentID, amountMinorUnits: Int64?, merchant: MerchantID, apiKey: String,
        idempotencyKey: String
    ) async -> APIResponse? {
        await system.capture(
            id, amountMinorUnits: amountMinorUnits, merchant: merchant, apiKey: apiKey,
            idempotencyKey: idempotencyKey)
    }

    func refund(
        _ id: PaymentID, amountMinorUnits: Int64, merchant: MerchantID, apiKey: String, idempotencyKey: String
    ) async -> APIResponse? {
        await system.refund(
            id, amountMinorUnits: amountMinorUnits, merchant: merchant, apiKey: apiKey,
            idempotencyKey: idempotencyKey)
    }

    func submitDisputeEvidence(
        _ id: PaymentID, merchant: MerchantID, apiKey: String, idempotencyKey: String
    ) async -> APIResponse? {
        await system.submitDisputeEvidence(
            id, merchant: merchant, apiKey: apiKey, idempotencyKey: idempotencyKey)
    }

    func retrievePayment(_ id: PaymentID, merchant: MerchantID, apiKey: String) async -> APIResponse? {
        guard (try? system.admit(apiKey: apiKey)) == merchant else {
            return APIResponse(status: 401, body: "{\"error\":{\"type\":\"invalid_request_error\"}}")
        }
        guard let record = await system.payment(id, of: merchant) else {
            return APIResponse(
                status: 404,
                body: "{\"error\":{\"type\":\"invalid_request_error\",\"code\":\"resource_missing\"}}")
        }
        let payment = record.payment
        return APIResponse(
            status: 200,
            body:
                "{\"id\":\"\(id)\",\"object\":\"payment_intent\",\"amount\":\(payment.amount.minorUnits),"
                + "\"amount_received\":\(payment.amountCapturedMinorUnits),"
                + "\"amount_refunded\":\(payment.amountRefundedMinorUnits),"
                + "\"currency\":\"\(payment.amount.currency.code.lowercased())\","
                + "\"status\":\"\(payment.state.stripeStatus)\"}")
    }

    func refundedMinorUnits(_ id: PaymentID, merchant: MerchantID, apiKey: String) async -> Int64? {
        await system.payment(id, of: merchant)?.payment.amountRefundedMinorUnits
    }

    // Reads are sent over the wire only: the facade has no per-merchant payment index,
    // balance or payout read for them (a scan of every payment held per list would cost more
    // than the payments). A run in process ignores the scenario's `reads:` and says so.

    func listPayments(
        apiKey: String, createdWithinSeconds: Int64, limit: Int, startingAfter: String?
    ) async -> APIResponse? { Self.notInProcess }

    func searchPayments(
        apiKey: String, status: String, createdWithinSeconds: Int64, limit: Int, page: String?
    ) async -> APIResponse? { Self.notInProcess }

    func balance(apiKey: String) async -> APIResponse? { Self.notInProcess }

    func listPayouts(apiKey: String, limit: Int) async -> APIResponse? { Self.notInProcess }

    static let notInProcess = APIResponse(
        status: 404,
        body: "{\"error\":{\"type\":\"invalid_request_error\",\"code\":\"not_modeled_in_process\"}}")
}
