import Core
import Services

/// The in-process facade of whichever life of the system is serving (`SystemHost`): what the
/// read traffic of an in-process run reads through. A read is not retried after a crash: like
/// a dashboard's, it is read again by the next one.
struct HostedTarget: PaymentTarget {
    let host: SystemHost

    private func serving() async -> InProcessTarget { InProcessTarget(system: await host.current().system) }

    func onboard(_ merchant: MerchantID, settlementCurrency: Currency) async throws -> String? {
        try await serving().onboard(merchant, settlementCurrency: settlementCurrency)
    }

    func createPayment(_ order: PaymentOrder, apiKey: String, idempotencyKey: String) async -> APIResponse? {
        await serving().createPayment(order, apiKey: apiKey, idempotencyKey: idempotencyKey)
    }

    func capture(
        _ id: PaymentID, amountMinorUnits: Int64?, merchant: MerchantID, apiKey: String,
        idempotencyKey: String
    ) async -> APIResponse? {
        await serving().capture(
            id, amountMinorUnits: amountMinorUnits, merchant: merchant, apiKey: apiKey,
            idempotencyKey: idempotencyKey)
    }

    func cancel(
        _ id: PaymentID, merchant: MerchantID, apiKey: String, idempotencyKey: String
    ) async -> APIResponse? {
        await serving().cancel(id, merchant: merchant, apiKey: apiKey, idempotencyKey: idempotencyKey)
    }

    func refund(
        _ id: PaymentID, amountMinorUnits: Int64, merchant: MerchantID, apiKey: String, idempotencyKey: String
    ) async -> APIResponse? {
        await serving().refund(
            id, amountMinorUnits: amountMinorUnits, merchant: merchant, apiKey: apiKey,
            idempotencyKey: idempotencyKey)
    }

    func submitDisputeEvidence(
        _ id: PaymentID, merchant: MerchantID, apiKey: String, idempotencyKey: String
    ) async -> APIResponse? {
        await serving().submitDisputeEvidence(
            id, merchant: merchant, apiKey: apiKey, idempotencyKey: idempotencyKey)
    }

    func retrievePayment(_ id: PaymentID, merchant: MerchantID, apiKey: String) async -> APIResponse? {
        await serving().retrievePayment(id, merchant: merchant, apiKey: apiKey)
    }

    func refundedMinorUnits(_ id: PaymentID, merchant: MerchantID, apiKey: String) async -> Int64? {
        await serving().refundedMinorUnits(id, merchant: merchant, apiKey: apiKey)
    }

    func listPayments(
        apiKey: String, createdWithinSeconds: Int64, limit: Int, startingAfter: String?
    ) async -> APIResponse? {
        await serving().listPayments(
            apiKey: apiKey, createdWithinSeconds: createdWithinSeconds, limit: limit,
            startingAfter: startingAfter)
    }

    func searchPayments(
        apiKey: String, status: String, createdWithinSeconds: Int64, limit: Int, page: String?
    ) async -> APIResponse? {
        await serving().searchPayments(
            apiKey: apiKey, status: status, createdWithinSeconds: createdWithinSeconds, limit: limit,
            page: page)
    }

    func balance(apiKey: String) async -> APIResponse? { await serving().balance(apiKey: apiKey) }

    func listPayouts(apiKey: String, limit: Int) async -> APIResponse? {
        await serving().listPayouts(apiKey: apiKey, limit: limit)
    }
}
