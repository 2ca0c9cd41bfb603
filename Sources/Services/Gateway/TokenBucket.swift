import PaystormRuntime

/// A token bucket in exact integer arithmetic: tokens are counted in thousandths, time in
/// nanoseconds, and the fraction of a millitoken that a refill did not yet earn is carried over.
///
/// Floating-point refill (`tokens += elapsed * rate`) drifts over a long run and makes two
/// platforms disagree; here `n` refills of `t` nanoseconds add exactly what one refill of `n * t`
/// adds. A pure value: the rate limiter holds one per merchant and passes the runtime's time in.
public struct TokenBucket: Hashable, Sendable {
    /// The bucket's size and refill rate.
    public struct Configuration: Hashable, Sendable {
        /// Tokens a full bucket holds: the largest burst.
        public let capacityTokens: Int64
        /// Tokens added per second: the sustained rate.
        public let refillTokensPerSecond: Int64

        /// - Throws: `GatewayError.invalidConfiguration` unless both values are in 1...1_000_000_000.
        public init(capacityTokens: Int64, refillTokensPerSecond: Int64) throws(GatewayError) {
            guard (1...1_000_000_000).contains(capacityTokens) else {
                throw .invalidConfiguration("capacityTokens must be in 1...1_000_000_000")
            }
            guard (1...1_000_000_000).contains(refillTokensPerSecond) else {
                throw .invalidConfiguration("refillTokensPerSecond must be in 1...1_000_000_000")
            }
            self.capacityTokens = capacityTokens
            self.refillTokensPerSecond = refillTokensPerSecond
        }

        var capacityMillitokens: Int64 { capacityTokens * 1000 }
    }

    /// What `take` decided.
    public enum Decision: Hashable, Sendable {
        case allowed
        /// No token now; one will have been earned after `retryAfter`.
        case denied(retryAfter: Duration)
    }

    /// Nanosecond-times-tokens-per-second per millitoken: 1e9 ns/s / 1000 millitokens/token.
    static let unitsPerMillitoken: Int64 = 1_000_000

    public let configuration: Configuration
    /// Thousandths of a token available after the last refill.
    public private(set) var millitokens: Int64
    /// Earned but not yet whole millitokens, in ns * tokens/s (always < `unitsPerMillitoken`).
    public private(set) var carryUnits: Int64 = 0
    /// The time the bucket was last refilled.
    public private(set) var refilledAt: SimTime

    /// A full bucket at `now`.
    public init(configuration: Configuration, now: SimTime) {
        self.configuration = configuration
        self.millitokens = configuration.capacityMillitokens
        self.refilledAt = now
    }

    /// True if the bucket is full at `now`: it then behaves exactly like a new bucket, so a
    /// limiter may forget it.
    public func isFull(at now: SimTime) -> Bool {
        var copy = self
        copy.refill(now: now)
        return copy.millitokens == configuration.capacityMillitokens
    }

    /// Adds what the time since the last refill earned. Time going backwards adds nothing.
    public mutating func refill(now: SimTime) {
        let elapsed = now.nanoseconds &- refilledAt.nanoseconds
        guard elapsed > 0 else { return }
        refilledAt = now
        let missing = configuration.capacityMillitokens - millitokens
        guard missing > 0 else {
            carryUnits = 0
            return
        }
        // Beyond the time that fills the bucket, elapsed time changes nothing: clamping keeps the
        // product below (capacity * 1e9 + rate), far inside Int64.
        let rate = configuration.refillTokensPerSecond
        let fillNanoseconds = (missing * Self.unitsPerMillitoken - carryUnits + rate - 1) / rate
        if elapsed >= fillNanoseconds {
            millitokens = configuration.capacityMillitokens
            carryUnits = 0
            return
        }
        let units = elapsed * rate + carryUnits
        millitokens += units / Self.unitsPerMillitoken
        carryUnits = units % Self.unitsPerMillitoken
    }

    /// Takes one token if there is one at `now`.
    public mutating func take(now: SimTime) -> Decision {
        refill(now: now)
        if millitokens >= 1000 {
            millitokens -= 1000
            return .allowed
        }
        let neededUnits = (1000 - millitokens) * Self.unitsPerMillitoken - carryUnits
        let rate = configuration.refillTokensPerSecond
        return .denied(retryAfter: .nanoseconds((neededUnits + rate - 1) / rate))
    }
}
