import Core
import Services

/// What a journey talks to: the in-process facade (`InProcessTarget`) or Stripe's HTTP API over
/// real sockets (`HTTPPaymentTarget` in the Client module). One journey code path drives both.
///
/// Every call answers as the API does (`APIResponse`), or nil when no answer came (the
/// connection failed or timed out): the outcome is then unknown, and the journey sends the same
/// request again with the same idempotency key, as it does when a crash loses an answer.
public protocol PaymentTarget: Sendable {
    /// Onboards the merchant and returns one of its secret keys; a merchant that exists already
    /// gets another key. Nil if the merchant could not be given one.
    /// - Throws: `ShedByRunner` when the target shed it before sending it; any other error is a
    ///   refusal the client should retry after a backoff (the journal refused it).
    func onboard(_ merchant: MerchantID, settlementCurrency: Currency) async throws -> String?

    /// `POST /v1/payment_intents` with `confirm=true`.
    func createPayment(_ order: PaymentOrder, apiKey: String, idempotencyKey: String) async -> APIResponse?

    /// `POST /v1/payment_intents/:id/capture`.
    func capture(
        _ id: PaymentID, amountMinorUnits: Int64?, merchant: MerchantID, apiKey: String,
        idempotencyKey: String
    ) async -> APIResponse?

    /// `POST /v1/payment_intents/:id/cancel`: the merchant voids an authorization it will not
    /// capture.
    func cancel(
        _ id: PaymentID, merchant: MerchantID, apiKey: String, idempotencyKey: String
    ) async -> APIResponse?

    /// `POST /v1/refunds`.
    func refund(
        _ id: PaymentID, amountMinorUnits: Int64, merchant: MerchantID, apiKey: String, idempotencyKey: String
    ) async -> APIResponse?

    /// `POST /v1/disputes/:id` with evidence.
    func submitDisputeEvidence(
        _ id: PaymentID, merchant: MerchantID, apiKey: String, idempotencyKey: String
    ) async -> APIResponse?

    /// `GET /v1/payment_intents/:id`: the payment as the API shows it now.
    func retrievePayment(_ id: PaymentID, merchant: MerchantID, apiKey: String) async -> APIResponse?

    /// What the payment's refunds add up to, as the API lists them (`GET /v1/refunds`), or nil
    /// when they could not be read.
    func refundedMinorUnits(_ id: PaymentID, merchant: MerchantID, apiKey: String) async -> Int64?

    /// `GET /v1/payment_intents`: one page of the merchant's payments created in the last
    /// `createdWithinSeconds` (by the server's clock), newest first, after the cursor
    /// `startingAfter`.
    func listPayments(
        apiKey: String, createdWithinSeconds: Int64, limit: Int, startingAfter: String?
    ) async -> APIResponse?

    /// `GET /v1/payment_intents/search`: one page of the merchant's payments in `status` (one
    /// of Stripe's PaymentIntent statuses) created in the last `createdWithinSeconds`, newest
    /// first, from the `next_page` token `page`.
    func searchPayments(
        apiKey: String, status: String, createdWithinSeconds: Int64, limit: Int, page: String?
    ) async -> APIResponse?

    /// `GET /v1/balance`.
    func balance(apiKey: String) async -> APIResponse?

    /// `GET /v1/payouts`.
    func listPayouts(apiKey: String, limit: Int) async -> APIResponse?
}

/// A payment a journey asks for: the facade's request, and the card as the customer typed it
/// (what goes over the wire; the facade takes the tokenized method in `request`).
public struct PaymentOrder: Sendable {
    public var request: PaymentRequest
    public var pan: String
    public var expiryMonth: Int
    public var expiryYear: Int

    public init(request: PaymentRequest, pan: String, expiryMonth: Int, expiryYear: Int) {
        self.request = request
        self.pan = pan
        self.expiryMonth = expiryMonth
        self.expiryYear = expiryYear
    }
}
