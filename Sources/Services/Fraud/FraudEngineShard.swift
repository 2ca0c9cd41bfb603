import PaystormRuntime
import Synchronization

/// One shard of the fraud engine: the rules, the model and the statistics for the cards whose
/// fingerprints route here.
///
/// Every method decides and mutates under the shard's lock, with no suspension inside, so two
/// payments on one card cannot interleave between reading and recording its velocity. A lock
/// rather than an actor: an actor gave the same order at the price of a hop there and back (two
/// executor jobs) for each payment screened.
public final class FraudEngineShard: Sendable {
    private struct State {
        var rules: FraudRules
        var challenge: ThreeDSecureChallenge
        /// Decisions and 3-D Secure outcomes against the ground truth.
        var statistics = FraudStatistics()
    }

    public let index: Int
    private let runtime: any Runtime
    private let model: FraudModel
    private let thresholds: FraudThresholds
    private let state: Mutex<State>

    /// - Throws: `FraudError.invalidConfiguration` for an out-of-range configuration.
    public init(runtime: any Runtime, configuration: FraudEngine.Configuration, index: Int) throws(FraudError)
    {
        self.index = index
        self.runtime = runtime
        self.model = configuration.model
        self.thresholds = configuration.thresholds
        self.state = Mutex(
            State(
                rules: try FraudRules(configuration: configuration.rules),
                challenge: try ThreeDSecureChallenge(
                    configuration: configuration.challenge,
                    random: runtime.randomStream("fraud-3ds", UInt64(index)))))
    }

    /// Scores `input`, decides, counts the decision against the ground truth and, for an
    /// approval or review, learns the payment into the card's habits.
    public func assess(_ input: FraudInput) -> FraudAssessment {
        let now = runtime.now()
        return state.withLock { state in
            let signals = state.rules.evaluate(input, now: now)
            let score = model.score(signals.features)
            let decision = signals.hardBlock ? .block : thresholds.decision(for: score)
            state.statistics.record(decision, isFraudulent: input.isFraudulentTruth)
            if decision == .approve || decision == .review { state.rules.learn(input) }
            return FraudAssessment(
                score: score, decision: decision, reasons: signals.reasons, features: signals.features)
        }
    }

    /// Runs the simulated 3-D Secure challenge for a payment assessed `.requireThreeDSecure`. A
    /// pass is learned into the card's habits, as an approval would be.
    public func runThreeDSecure(for input: FraudInput) -> ThreeDSecureOutcome {
        state.withLock { state in
            let outcome = state.challenge.attempt(isFraudulent: input.isFraudulentTruth)
            state.statistics.record(outcome, isFraudulent: input.isFraudulentTruth)
            if outcome.isAuthenticated { state.rules.learn(input) }
            return outcome
        }
    }

    /// Card profiles held by this shard (at most `FraudRules.Configuration.cardsMax`).
    public var cardsTracked: Int { state.withLock { $0.rules.cardsTracked } }
    /// Card profiles forgotten to stay bounded.
    public var cardsEvicted: Int64 { state.withLock { $0.rules.cardsEvicted } }

    /// Decisions and 3-D Secure outcomes against the ground truth.
    public var statistics: FraudStatistics { state.withLock { $0.statistics } }
}
