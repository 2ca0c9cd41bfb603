import Core

/// Capture and refund with their amounts as `Money`, for callers in Swift (the runner, an
/// embedder). The `amountMinorUnits` forms are Stripe's wire form (`amount_to_capture` and a
/// refund's `amount` name no currency: the intent's), which the HTTP server parses into.
extension PaymentSystem {
    /// `POST /v1/payment_intents/:id/capture`; `amount` nil captures what was authorized.
    /// An amount in another currency than the payment's is refused before any work.
    public func capture(
        _ id: PaymentID, amount: Money?, merchant: MerchantID, apiKey: String, idempotencyKey: String? = nil,
        rendering: APIRendering = .compact
    ) async -> APIResponse {
        if let amount, let refusal = currencyRefusal(amount, of: id, merchant: merchant, apiKey: apiKey) {
            return refusal
        }
        return await capture(
            id, amountMinorUnits: amount?.minorUnits, merchant: merchant, apiKey: apiKey,
            idempotencyKey: idempotencyKey, rendering: rendering)
    }

    /// `POST /v1/refunds` of `amount` of the payment. An amount in another currency than the
    /// payment's is refused before any work.
    public func refund(
        _ id: PaymentID, amount: Money, merchant: MerchantID, apiKey: String, idempotencyKey: String? = nil,
        rendering: APIRendering = .compact
    ) async -> APIResponse {
        if let refusal = currencyRefusal(amount, of: id, merchant: merchant, apiKey: apiKey) {
            return refusal
        }
        return await refund(
            id, amountMinorUnits: amount.minorUnits, merchant: merchant, apiKey: apiKey,
            idempotencyKey: idempotencyKey, rendering: rendering)
    }

    /// Stripe's `invalid_request_error` for an amount whose currency is not the payment's; nil
    /// when it is, or when the key or the payment is not the merchant's (the call answers that
    /// itself, spending the key's rate-limit token as it does).
    private func currencyRefusal(
        _ amount: Money, of id: PaymentID, merchant: MerchantID, apiKey: String
    ) -> APIResponse? {
        guard owner(ofAPIKey: apiKey) == merchant, let record = orchestrator.shard(id).record(id),
            record.merchant == merchant,
            record.payment.amount.currency != amount.currency
        else { return nil }
        return .error(
            .invalidRequest(
                "amount is in \(amount.currency.code), payment \(id) is in \(record.payment.amount.currency.code)"
            ))
    }
}
