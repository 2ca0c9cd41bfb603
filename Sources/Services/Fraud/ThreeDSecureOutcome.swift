/// How a simulated 3-D Secure challenge ended.
public enum ThreeDSecureOutcome: Int, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// The cardholder authenticated: the payment may proceed, liability shifts to the issuer.
    case passed
    /// The customer tried and failed (wrong code).
    case failed
    /// The customer left the challenge (Stripe's most common 3-D Secure failure).
    case abandoned

    public var isAuthenticated: Bool { self == .passed }

    public var description: String {
        switch self {
        case .passed: "passed"
        case .failed: "failed"
        case .abandoned: "abandoned"
        }
    }
}
