import PaystormRuntime

/// One shard of the fraud engine: the rules, the model and the statistics for the cards whose
/// fingerprints route here.
///
/// A thin actor: every method decides and mutates synchronously, with no suspension inside, so
/// two payments on one card cannot interleave between reading and recording its velocity.
public actor FraudEngineShard {
    public nonisolated let index: Int
    private let runtime: any Runtime
    private let model: FraudModel
    private let thresholds: FraudThresholds
    private var rules: FraudRules
    private var challenge: ThreeDSecureChallenge
    /// Decisions and 3-D Secure outcomes against the ground truth.
    public private(set) var statistics = FraudStatistics()

    /// - Throws: `FraudError.invalidConfiguration` for an out-of-range configuration.
    public init(runtime: any Runtime, configuration: FraudEngine.Configuration, index: Int) throws(FraudError)
    {
        self.index = index
        self.runtime = runtime
        self.model = configuration.model
        self.thresholds = configuration.thresholds
        self.rules = try FraudRules(configuration: configuration.rules)
        self.challenge = try ThreeDSecureChallenge(
            configuration: configuration.challenge, random: runtime.randomStream("fraud-3ds", UInt64(index)))
    }

    /// Scores `input`, decides, counts the decision against the ground truth and, for an
    /// approval or review, learns the payment into the card's habits.
    public func assess(_ input: FraudInput) -> FraudAssessment {
        let signals = rules.evaluate(input, now: runtime.now())
        let score = model.score(signals.features)
        let decision = signals.hardBlock ? .block : thresholds.decision(for: score)
        statistics.record(decision, isFraudulent: input.isFraudulentTruth)
        if decision == .approve || decision == .review { rules.learn(input) }
        return FraudAssessment(
            score: score, decision: decision, reasons: signals.reasons, features: signals.features)
    }

    /// Runs the simulated 3-D Secure challenge for a payment assessed `.requireThreeDSecure`. A
    /// pass is learned into the card's habits, as an approval would be.
    public func runThreeDSecure(for input: FraudInput) -> ThreeDSecureOutcome {
        let outcome = challenge.attempt(isFraudulent: input.isFraudulentTruth)
        statistics.record(outcome, isFraudulent: input.isFraudulentTruth)
        if outcome.isAuthenticated { rules.learn(input) }
        return outcome
    }

    /// Card profiles held by this shard (at most `FraudRules.Configuration.cardsMax`).
    public var cardsTracked: Int { rules.cardsTracked }
    /// Card profiles forgotten to stay bounded.
    public var cardsEvicted: Int64 { rules.cardsEvicted }
}
