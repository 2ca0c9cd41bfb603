/// Wall-clock time for *reporting*, never for simulation decisions: how long a run took on this
/// machine, so that throughput can be quoted next to the virtual time it simulated.
///
/// It lives in the runtime module because that is the one place allowed to read a real clock;
/// simulation code gets its time from `Runtime.now()`.
public struct Stopwatch: Sendable {
    private let start: ContinuousClock.Instant

    public init() { start = ContinuousClock.now }

    /// Time since `init`.
    public var elapsed: Duration { ContinuousClock.now - start }
}
