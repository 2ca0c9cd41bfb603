import Core

/// How the API turns a call's outcome into the answer a client gets (and a retry with the same
/// idempotency key gets again, byte for byte): the compact payment body the simulator's own
/// clients read, or the full Stripe objects an HTTP server renders.
///
/// Rendering happens inside the idempotent operation, so whatever the renderer allocates (a
/// refund's id, a timestamp) is part of the first answer and replayed with it.
public struct APIRendering: Sendable {
    public var success: @Sendable (PaymentRecord) async -> APIResponse
    public var failure: @Sendable (PaymentServiceError) async -> APIResponse
    /// Called with a payment the request creates as soon as it exists, before any of its
    /// events: what the caller keeps of the request besides the payment (an API's metadata and
    /// description) is then there for the payment's first events to show.
    public var opened: (@Sendable (PaymentRecord) -> Void)?

    public init(
        success: @escaping @Sendable (PaymentRecord) async -> APIResponse,
        failure: @escaping @Sendable (PaymentServiceError) async -> APIResponse,
        opened: (@Sendable (PaymentRecord) -> Void)? = nil
    ) {
        self.success = success
        self.failure = failure
        self.opened = opened
    }

    /// The payment's id, amounts, currency and status; Stripe's error object on failure.
    public static let compact = APIRendering(
        success: { APIResponse.payment($0) }, failure: { APIResponse.error($0) })
}
