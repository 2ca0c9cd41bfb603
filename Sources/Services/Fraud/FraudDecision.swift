/// What the fraud engine advises for a payment.
public enum FraudDecision: Int, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Score below 30: go ahead.
    case approve
    /// Score 30...69: go ahead, and log it for a human review.
    case review
    /// Score 70...90: only after the customer passes 3-D Secure.
    case requireThreeDSecure
    /// Score above 90, or a hard rule (velocity limit) fired: refuse.
    case block

    /// The engine intervened (challenge or block): a "positive" for precision and recall.
    public var isIntervention: Bool { self == .requireThreeDSecure || self == .block }

    public var description: String {
        switch self {
        case .approve: "approve"
        case .review: "review"
        case .requireThreeDSecure: "require_3ds"
        case .block: "block"
        }
    }
}
