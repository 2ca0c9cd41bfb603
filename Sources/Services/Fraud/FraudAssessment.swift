/// The fraud engine's answer for one payment: the score, the decision and why.
public struct FraudAssessment: Hashable, Sendable {
    public let score: FraudScore
    public let decision: FraudDecision
    /// Every rule that fired, most important first (a hard block first).
    public let reasons: [FraudReason]
    /// What the model saw.
    public let features: FraudFeatures
}
