import PaystormRuntime

/// A simulated 3-D Secure challenge: whether the customer passes, fails or abandons, drawn from
/// a seeded stream with probabilities that depend on the simulator's ground truth.
///
/// A real cardholder usually passes; a fraudster without the cardholder's phone mostly abandons
/// and sometimes fails. The defaults follow commonly published 3-D Secure 2 figures (roughly 85%
/// of legitimate challenges complete).
public struct ThreeDSecureChallenge: Sendable {
    /// The outcome probabilities; what is left after pass and abandon is failure.
    public struct Configuration: Hashable, Sendable {
        public var legitimatePassProbability: Double
        public var legitimateAbandonProbability: Double
        public var fraudulentPassProbability: Double
        public var fraudulentAbandonProbability: Double

        public init(
            legitimatePassProbability: Double = 0.85, legitimateAbandonProbability: Double = 0.10,
            fraudulentPassProbability: Double = 0.03, fraudulentAbandonProbability: Double = 0.85
        ) {
            self.legitimatePassProbability = legitimatePassProbability
            self.legitimateAbandonProbability = legitimateAbandonProbability
            self.fraudulentPassProbability = fraudulentPassProbability
            self.fraudulentAbandonProbability = fraudulentAbandonProbability
        }

        func validate() throws(FraudError) {
            for (pass, abandon) in [
                (legitimatePassProbability, legitimateAbandonProbability),
                (fraudulentPassProbability, fraudulentAbandonProbability),
            ] {
                guard pass >= 0, abandon >= 0, pass + abandon <= 1 else {
                    throw .invalidConfiguration("3-D Secure probabilities must be ≥ 0 and sum to at most 1")
                }
            }
        }
    }

    public let configuration: Configuration
    private var random: RandomStream

    /// - Throws: `FraudError.invalidConfiguration` for probabilities that do not add up.
    public init(configuration: Configuration = Configuration(), random: RandomStream) throws(FraudError) {
        try configuration.validate()
        self.configuration = configuration
        self.random = random
    }

    /// One challenge: one uniform draw, compared with the pass and abandon probabilities.
    public mutating func attempt(isFraudulent: Bool) -> ThreeDSecureOutcome {
        let pass =
            isFraudulent ? configuration.fraudulentPassProbability : configuration.legitimatePassProbability
        let abandon =
            isFraudulent
            ? configuration.fraudulentAbandonProbability : configuration.legitimateAbandonProbability
        let draw = random.nextUnit()
        if draw < pass { return .passed }
        if draw < pass + abandon { return .abandoned }
        return .failed
    }
}
