#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The runtime of realtime runs: tasks on the global concurrent pool (all cores), time from the
/// monotonic clock. Random streams are still derived from the seed, so each actor's draws are
/// reproducible, but the interleaving of actors is the operating system's.
///
/// Sleeps park in the runtime's own timers (`ConcurrentTimers`: one timer, by default a thread
/// of its own on Linux, for the earliest millisecond with a sleeper) rather than a dispatch
/// timer each.
public final class ConcurrentRuntime: Runtime {
    public let seed: UInt64
    public var isDeterministic: Bool { false }
    private let startNanoseconds: Int64
    let timers: ConcurrentTimers

    /// - Parameter timerDriver: what wakes the sleepers; nil: the default (`ThreadTimerDriver`
    ///   on Linux, a dispatch timer elsewhere).
    public init(seed: UInt64, timerDriver: (any TimerDriver)? = nil) {
        self.seed = seed
        let start = Self.monotonicNanoseconds()
        self.startNanoseconds = start
        self.timers = ConcurrentTimers(
            clock: { Self.monotonicNanoseconds() - start }, driver: timerDriver ?? Self.defaultTimerDriver())
    }

    /// A thread of the timers' own on Linux (`ThreadTimerDriver`: why there), a dispatch timer
    /// elsewhere.
    private static func defaultTimerDriver() -> any TimerDriver {
        #if os(Linux)
            return ThreadTimerDriver()
        #else
            return DispatchTimerDriver()
        #endif
    }

    public func now() -> SimTime {
        SimTime(nanoseconds: Self.monotonicNanoseconds() - startNanoseconds)
    }

    /// `CLOCK_MONOTONIC` read directly: the clock the timers' dispatch deadlines count in
    /// (`ContinuousClock` reads `CLOCK_BOOTTIME` on Linux), without `Duration`'s 128-bit
    /// arithmetic on a call made several times per step of every payment.
    private static func monotonicNanoseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }

    /// Ends no earlier than `deadline` and at most a tick of `ConcurrentTimers` later (plus the
    /// wake's latency on a busy machine).
    public func sleep(until deadline: SimTime) async throws {
        try Task.checkCancellation()
        let sleeper = TimerSleeper()
        try await withTaskCancellationHandler {
            try await timers.park(sleeper, until: deadline.nanoseconds)
        } onCancel: {
            timers.cancel(sleeper)
        }
    }

    @discardableResult
    public func spawn(_ operation: sending @escaping @isolated(any) () async -> Void) -> Task<Void, Never> {
        Task.detached(operation: operation)
    }

    public func makeAlarm() -> any RuntimeAlarm { ConcurrentAlarm(timers: timers) }
}
