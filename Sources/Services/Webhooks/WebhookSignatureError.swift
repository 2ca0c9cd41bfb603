/// Why a `Stripe-Signature` header did not verify; the cases follow Stripe's SDK verifiers.
public enum WebhookSignatureError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The header has no `t=` timestamp, or a part without `=`, or a non-integer timestamp.
    case malformedHeader
    /// The header carries no `v1=` signature.
    case noSignature
    /// No `v1` signature matches the payload under this secret.
    case signatureMismatch
    /// The signature is valid but older than the tolerance: possibly a replay.
    case timestampOutsideTolerance(timestamp: Int64, now: Int64)

    public var description: String {
        switch self {
        case .malformedHeader: "Unable to extract timestamp and signatures from header"
        case .noSignature: "No signatures found with expected scheme"
        case .signatureMismatch: "No signatures found matching the expected signature for payload"
        case .timestampOutsideTolerance(let timestamp, let now):
            "Timestamp \(timestamp) outside the tolerance zone (now \(now))"
        }
    }
}
