import Core
import PaystormRuntime

/// The rule half of the fraud engine: per-card history, the features it yields and the hard
/// rules. A pure value held by one `FraudEngineShard`.
///
/// Bounded: at most `Configuration.cardsMax` card profiles per shard, forgotten approximately
/// least-recently-used (see `GenerationalCache`); a forgotten card looks new again. Each profile
/// is itself capped (`attemptsTrackedMax` attempt times, 4 countries, 8 devices).
public struct FraudRules: Sendable {
    public struct Configuration: Hashable, Sendable {
        /// The rolling window of the velocity rule.
        public var velocityWindow: Duration
        /// Attempts per card within the window, this one included, at which the payment is
        /// blocked whatever its score (card testing).
        public var velocityLimit: Int
        /// An amount this many times the card's average is reported as a spike.
        public var amountSpikeRatio: Double
        /// Card profiles held per shard.
        public var cardsMax: Int

        public init(
            velocityWindow: Duration = .seconds(3600), velocityLimit: Int = 10, amountSpikeRatio: Double = 5,
            cardsMax: Int = 100_000
        ) {
            self.velocityWindow = velocityWindow
            self.velocityLimit = velocityLimit
            self.amountSpikeRatio = amountSpikeRatio
            self.cardsMax = cardsMax
        }

        func validate() throws(FraudError) {
            guard velocityWindow > .zero else {
                throw .invalidConfiguration("velocityWindow must be positive")
            }
            guard (1...FraudRules.attemptsTrackedMax).contains(velocityLimit) else {
                throw .invalidConfiguration("velocityLimit must be in 1...\(FraudRules.attemptsTrackedMax)")
            }
            guard amountSpikeRatio > 1 else { throw .invalidConfiguration("amountSpikeRatio must exceed 1") }
            guard (2...10_000_000).contains(cardsMax) else {
                throw .invalidConfiguration("cardsMax must be in 2...10_000_000")
            }
        }
    }

    /// What `evaluate` found.
    public struct Signals: Hashable, Sendable {
        public var features: FraudFeatures
        public var reasons: [FraudReason]
        /// A hard rule fired: block whatever the score.
        public var hardBlock: Bool
    }

    /// Attempt times kept per card: the velocity rule cannot count beyond this.
    public static let attemptsTrackedMax = 32
    /// Attempts in the window from which `highVelocity` is reported.
    static let highVelocityFrom = 3

    public let configuration: Configuration
    private var profiles: GenerationalCache<UInt64, CardRiskProfile>

    /// - Throws: `FraudError.invalidConfiguration` for an out-of-range configuration.
    public init(configuration: Configuration = Configuration()) throws(FraudError) {
        try configuration.validate()
        self.configuration = configuration
        self.profiles = GenerationalCache(capacity: configuration.cardsMax)
    }

    /// Card profiles held.
    public var cardsTracked: Int { profiles.count }
    /// Card profiles forgotten to stay within `cardsMax`.
    public var cardsEvicted: Int64 { profiles.evictions }

    /// Computes the features and hard rules for `input` at `now`, and records the attempt for
    /// the velocity rule (every attempt counts, blocked ones too: that is how card testing shows).
    public mutating func evaluate(_ input: FraudInput, now: SimTime) -> Signals {
        var profile = profiles.value(for: input.fingerprint) ?? CardRiskProfile()
        let earlier = profile.attempts(within: configuration.velocityWindow, before: now)
        profile.recordAttempt(at: now, window: configuration.velocityWindow, max: Self.attemptsTrackedMax)
        profiles.set(profile, for: input.fingerprint)

        var features = FraudFeatures(velocityLastHour: earlier)
        var reasons: [FraudReason] = []
        let attempts = earlier + 1
        let hardBlock = attempts >= configuration.velocityLimit
        if hardBlock {
            reasons.append(
                .velocityLimitExceeded(attemptsLastHour: attempts, limit: configuration.velocityLimit))
        } else if attempts >= Self.highVelocityFrom {
            reasons.append(.highVelocity(attemptsLastHour: attempts))
        }
        features.newCard = profile.acceptedCount == 0
        if features.newCard {
            reasons.append(.newCard)
        } else {
            if profile.averageCurrency == input.amount.currency, profile.averageAmount > 0 {
                let ratio = Double(input.amount.minorUnits) / profile.averageAmount
                features.amountLogRatio = min(5, max(-3, RiskMath.logarithm(ratio)))
                if ratio >= configuration.amountSpikeRatio {
                    reasons.append(.amountSpike(ratioPercent: Int(min(ratio * 100, 1e9).rounded())))
                }
            }
            if let usual = profile.usualCountry, usual != input.country {
                features.countryMismatch = true
                reasons.append(.countryMismatch(usual: usual, actual: input.country))
            }
            if !profile.devices.contains(input.deviceID) {
                features.unseenDevice = true
                reasons.append(.unseenDevice)
            }
        }
        if input.amount.minorUnits < input.amount.currency.minorUnitsPerMajor {
            features.smallAmount = true
            reasons.append(.smallAmount)
        }
        return Signals(features: features, reasons: reasons, hardBlock: hardBlock)
    }

    /// Learns an accepted payment (approved, reviewed, or 3-D Secure passed) into the card's
    /// habits. Refused attempts are not learned, so a fraudster cannot teach the engine a new
    /// country by trying often.
    public mutating func learn(_ input: FraudInput) {
        var profile = profiles.value(for: input.fingerprint) ?? CardRiskProfile()
        profile.learn(amount: input.amount, country: input.country, deviceID: input.deviceID)
        profiles.set(profile, for: input.fingerprint)
    }
}
