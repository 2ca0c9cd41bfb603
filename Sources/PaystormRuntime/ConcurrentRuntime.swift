/// The runtime of realtime runs: tasks on the global concurrent pool (all cores), time from the
/// monotonic clock. Random streams are still derived from the seed, so each actor's draws are
/// reproducible, but the interleaving of actors is the operating system's.
public final class ConcurrentRuntime: Runtime {
    public let seed: UInt64
    public var isDeterministic: Bool { false }
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant

    public init(seed: UInt64) {
        self.seed = seed
        self.start = clock.now
    }

    public func now() -> SimTime {
        SimTime(nanoseconds: (clock.now - start).nanoseconds)
    }

    public func sleep(until deadline: SimTime) async throws {
        try await clock.sleep(until: start.advanced(by: .nanoseconds(deadline.nanoseconds)))
    }

    @discardableResult
    public func spawn(_ operation: sending @escaping @isolated(any) () async -> Void) -> Task<Void, Never> {
        Task.detached(operation: operation)
    }

    public func makeAlarm() -> any RuntimeAlarm { ConcurrentAlarm(runtime: self) }
}
