/// How long to wait before sending something again: a first delay doubling per retry up to a
/// longest one, optionally jittered.
///
/// One value for every retry loop (the simulated clients, the card-network obligations, the
/// journal's persistent appends, webhook deliveries in the simulation and over HTTP), so that a
/// schedule is read in one place. The jitter is drawn from a generator the caller passes: under
/// the deterministic runtime that is a `RandomStream` of the run's seed, so a seed still draws
/// the same waits; the server, which runs on real time, may pass the system's generator.
public struct Backoff: Hashable, Sendable {
    /// How the wait is spread below the schedule's ceiling.
    public enum Jitter: Hashable, Sendable {
        /// The ceiling itself: a schedule that tests and digests can count on.
        case none
        /// Uniform in [0, ceiling] in whole nanoseconds: spreads many retries that failed
        /// together (an endpoint outage) instead of bringing them back in waves.
        case full
        /// Uniform in [ceiling / 2, ceiling], never below the first delay: stripe-python's
        /// clients wait so.
        case half
    }

    /// The ceiling of the wait before the first retry.
    public let delayFirst: Duration
    /// The largest ceiling: doubling stops here.
    public let delayMax: Duration
    public let jitter: Jitter

    /// - Precondition: `0 < delayFirst <= delayMax`: a schedule is a constant of its caller, so
    ///   a wrong one is a programming error (values from outside are checked where they enter).
    public init(first delayFirst: Duration, max delayMax: Duration, jitter: Jitter = .none) {
        precondition(delayFirst > .zero && delayFirst <= delayMax, "a backoff needs 0 < first <= max")
        self.delayFirst = delayFirst
        self.delayMax = delayMax
        self.jitter = jitter
    }

    /// The longest wait after `retries` retries have been made (0 for the first retry):
    /// min(max, first * 2^retries), without overflowing however many retries were made.
    public func ceiling(afterRetries retries: Int) -> Duration {
        let capNanoseconds = delayMax.nanoseconds
        var ceilingNanoseconds = delayFirst.nanoseconds
        var doublings = Swift.max(0, retries)
        while doublings > 0 && ceilingNanoseconds < capNanoseconds {
            ceilingNanoseconds =
                ceilingNanoseconds > capNanoseconds / 2 ? capNanoseconds : ceilingNanoseconds * 2
            doublings -= 1
        }
        return .nanoseconds(Swift.min(ceilingNanoseconds, capNanoseconds))
    }

    /// The wait after `retries` retries of a schedule without jitter.
    /// - Precondition: `jitter == .none` (a jittered schedule needs a generator to draw from).
    public func delay(afterRetries retries: Int) -> Duration {
        precondition(jitter == .none, "a jittered backoff draws its delay from a generator")
        return ceiling(afterRetries: retries)
    }

    /// The wait after `retries` retries, its jitter drawn from `random` (one draw, none for
    /// `.none`).
    public func delay(afterRetries retries: Int, using random: inout some RandomNumberGenerator) -> Duration {
        let ceiling = ceiling(afterRetries: retries)
        switch jitter {
        case .none:
            return ceiling
        case .full:
            return .nanoseconds(Int64.random(in: 0...ceiling.nanoseconds, using: &random))
        case .half:
            // 53 bits as `RandomStream.nextUnit` draws them: the same seed keeps the same waits.
            let unit = Double(random.next() >> 11) * 0x1.0p-53
            let jittered = Int64(Double(ceiling.nanoseconds) * 0.5 * (1 + unit))
            return .nanoseconds(Swift.max(delayFirst.nanoseconds, jittered))
        }
    }
}
