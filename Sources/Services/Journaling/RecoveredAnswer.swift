import Core

/// The first answer the API gave to one idempotency key, as its journaled acknowledgement
/// shows it: enough to give a retry after a restart the same answer, not a second charge.
package struct RecoveredAnswer: Sendable, Hashable, Codable {
    package let merchant: MerchantID
    /// The key as the client sent it (unscoped).
    package let key: String
    package let status: Int
    /// The payment as the answer described it.
    package let payment: RecoveredPayment
    package let timeNanoseconds: Int64

    /// The response as the idempotency store held it. A 200 is the payment's body and a 402
    /// the decline, both byte for byte what `APIResponse` built the first time; any other
    /// status keeps its status and names the payment (its message was not journaled).
    var storedResponse: StoredResponse {
        APIResponse.recovered(status: status, payment: payment).stored
    }
}

extension APIResponse {
    /// The answer about `payment` with `status`, rebuilt from the journal's image of it.
    static func recovered(status: Int, payment image: RecoveredPayment) -> APIResponse {
        let payment = image.payment
        switch status {
        case 200..<300:
            return APIResponse(
                status: status,
                body: paymentBody(
                    id: image.id, amount: payment.amount.minorUnits,
                    received: payment.amountCapturedMinorUnits,
                    currency: payment.amount.currency, state: payment.state))
        case 402:
            if case .failed(let code) = payment.state { return .error(.cardDeclined(image.id, code)) }
            return .error(.cardDeclined(image.id, .processingError))
        default:
            return .error(
                status: status, type: "api_error", code: "recovered_answer",
                message: "answer to \(image.id) restored from the journal", payment: image.id)
        }
    }
}
