import PaystormRuntime

/// The retry schedule of one event's delivery: exponential backoff with full jitter, a cap on
/// the delay and on the number of attempts, then the dead-letter queue.
///
/// Full jitter (a uniform delay in [0, min(cap, base · 2^(n-1))]) spreads the retries of many
/// events that failed together (an endpoint outage) instead of bringing them back in waves.
/// Stripe retries for up to three days; the attempt cap here is configurable.
public struct WebhookDelivery: Sendable {
    /// Backoff base, cap and attempt limit.
    public struct Policy: Hashable, Sendable {
        /// The ceiling of the first retry's delay; it doubles per failure.
        public let base: Duration
        /// The largest ceiling.
        public let cap: Duration
        /// Attempts in total (the first included) before dead-lettering.
        public let attemptsMax: Int

        /// - Throws: `WebhookDispatchError.invalidConfiguration` for non-positive values or a cap
        ///   below the base.
        public init(
            base: Duration = .seconds(1), cap: Duration = .seconds(3600), attemptsMax: Int = 8
        )
            throws(WebhookDispatchError)
        {
            guard base > .zero, cap >= base else {
                throw .invalidConfiguration("backoff needs 0 < base <= cap")
            }
            guard (1...1000).contains(attemptsMax) else {
                throw .invalidConfiguration("attemptsMax must be in 1...1000")
            }
            self.base = base
            self.cap = cap
            self.attemptsMax = attemptsMax
        }

        private init(unchecked base: Duration, cap: Duration, attemptsMax: Int) {
            self.base = base
            self.cap = cap
            self.attemptsMax = attemptsMax
        }

        /// 1 s doubling, capped at 1 h, 8 attempts.
        public static let standard = Policy(unchecked: .seconds(1), cap: .seconds(3600), attemptsMax: 8)

        /// The schedule: from `base` doubling to `cap`, with full jitter.
        public var backoff: Backoff { Backoff(first: base, max: cap, jitter: .full) }

        /// The largest delay after the `failures`-th failure: min(cap, base · 2^(failures-1)).
        public func ceiling(afterFailures failures: Int) -> Duration {
            backoff.ceiling(afterRetries: failures - 1)
        }
    }

    /// Where the delivery stands.
    public enum State: Hashable, Sendable {
        case pending
        case delivered
        case deadLettered
    }

    /// What to do after an attempt.
    public enum Action: Hashable, Sendable {
        case delivered
        case retry(after: Duration)
        case deadLetter
    }

    public let policy: Policy
    /// Attempts made so far.
    public private(set) var attempts = 0
    public private(set) var state = State.pending

    public init(policy: Policy = .standard) { self.policy = policy }

    /// Records the outcome of an attempt and decides what comes next. Calls after a terminal
    /// state change nothing and repeat the terminal action.
    public mutating func recordAttempt(succeeded: Bool, random: inout RandomStream) -> Action {
        switch state {
        case .delivered: return .delivered
        case .deadLettered: return .deadLetter
        case .pending: break
        }
        attempts += 1
        if succeeded {
            state = .delivered
            return .delivered
        }
        if attempts >= policy.attemptsMax {
            state = .deadLettered
            return .deadLetter
        }
        return .retry(after: policy.backoff.delay(afterRetries: attempts - 1, using: &random))
    }
}
