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

    public init(
        success: @escaping @Sendable (PaymentRecord) async -> APIResponse,
        failure: @escaping @Sendable (PaymentServiceError) async -> APIResponse
    ) {
        self.success = success
        self.failure = failure
    }

    /// The payment's id, amounts, currency and status; Stripe's error object on failure.
    public static let compact = APIRendering(
        success: { APIResponse.payment($0) }, failure: { APIResponse.error($0) })
}
