import Synchronization

/// Every sleep of a `ConcurrentRuntime`, fired by one timer (its `TimerDriver`: on Linux a
/// thread of its own, elsewhere a dispatch timer, unless told otherwise) armed for the earliest
/// tick (`tickNanoseconds`) with a sleeper, instead of a dispatch timer per sleep.
///
/// Why: a realtime run sleeps for every network call, journey step, retry and webhook wake,
/// tens of thousands of times a second. Each `Task.sleep` made a dispatch timer source: an
/// allocation, a trip through libdispatch's manager thread and its timer heap (the heap's
/// resift alone was 2.3% of a 10,000 TPS profile) and a cancellation for every sleep cut
/// short. Here a sleep is a lock, a dictionary append and a continuation; one wake per tick
/// resumes every sleeper due by then. A sleep ends at most one tick late (plus the wake's own
/// latency), never early.
final class ConcurrentTimers: Sendable {
    /// The timers' resolution: a deadline is rounded up to the next whole tick.
    static let tickNanoseconds: Int64 = 1_000_000

    private struct State {
        var timetable = TickTimetable()
        /// The tick the driver is armed for (`Int64.max`: not armed).
        var armedTick = Int64.max
    }

    private let state = Mutex(State())
    private let clock: @Sendable () -> Int64
    /// Armed only under `state`'s lock.
    private let driver: any TimerDriver

    /// - Parameters:
    ///   - clock: the runtime's time in nanoseconds, what deadlines are in.
    ///   - driver: the timer that wakes the sleepers due.
    init(clock: @escaping @Sendable () -> Int64, driver: any TimerDriver = DispatchTimerDriver()) {
        self.clock = clock
        self.driver = driver
        driver.start { [weak self] in self?.fire() }
    }

    // A driver's own thread would outlive the timers it fires for.
    deinit { driver.stop() }

    /// Suspends until `deadline` (nanoseconds of `clock`), or until `wake(sleeper)`;
    /// throws `CancellationError` after `cancel(sleeper)`.
    func park(_ sleeper: TimerSleeper, until deadline: Int64) async throws {
        try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
            let parked: Bool? = state.withLock { state in
                switch sleeper.phase {
                case .woken, .ended: return false
                case .cancelled: return nil
                case .waiting, .parked: break
                }
                let tick = Self.tick(atOrAfter: min(deadline, Self.deadlineMax))
                if tick * Self.tickNanoseconds <= clock() { return false }
                sleeper.phase = .parked
                sleeper.continuation = continuation
                state.timetable.insert(sleeper, tick: tick)
                if tick < state.armedTick { arm(tick, &state) }
                return true
            }
            switch parked {
            case true?: break
            case false?: continuation.resume()
            case nil: continuation.resume(throwing: CancellationError())
            }
        }
    }

    /// Ends `sleeper`'s sleep now (or its coming one at once). Returns false if it had ended
    /// already: the wake came too late to count.
    @discardableResult
    func wake(_ sleeper: TimerSleeper) -> Bool { end(sleeper, cancelled: false) }

    /// Ends `sleeper`'s sleep now (or its coming one at once) with `CancellationError`.
    func cancel(_ sleeper: TimerSleeper) { end(sleeper, cancelled: true) }

    /// Sleepers parked (cancelled ones until their tick): for tests.
    var parkedCount: Int { state.withLock { $0.timetable.count } }

    @discardableResult
    private func end(_ sleeper: TimerSleeper, cancelled: Bool) -> Bool {
        let (continuation, ended) = state.withLock { _ -> (UnsafeContinuation<Void, any Error>?, Bool) in
            switch sleeper.phase {
            case .waiting:
                sleeper.phase = cancelled ? .cancelled : .woken
                return (nil, true)
            case .parked:
                defer { sleeper.continuation = nil }
                sleeper.phase = .ended
                return (sleeper.continuation, true)
            case .woken, .cancelled, .ended:
                return (nil, false)
            }
        }
        // Resumed outside the lock: resuming enqueues the sleeper's task.
        if cancelled {
            continuation?.resume(throwing: CancellationError())
        } else {
            continuation?.resume()
        }
        return ended
    }

    /// The driver's handler: resumes every sleeper due and arms for the next tick.
    private func fire() {
        let due = state.withLock { state -> [UnsafeContinuation<Void, any Error>] in
            let sleepers = state.timetable.popDue(throughTick: clock() / Self.tickNanoseconds)
            var due: [UnsafeContinuation<Void, any Error>] = []
            due.reserveCapacity(sleepers.count)
            for sleeper in sleepers where sleeper.phase == .parked {
                sleeper.phase = .ended
                if let continuation = sleeper.continuation { due.append(continuation) }
                sleeper.continuation = nil
            }
            state.armedTick = .max
            if let next = state.timetable.earliestTick { arm(next, &state) }
            return due
        }
        for continuation in due { continuation.resume() }
    }

    /// Arms the driver for `tick` (called under the lock, so that two arming threads cannot
    /// leave it armed for the later of their ticks).
    private func arm(_ tick: Int64, _ state: inout State) {
        state.armedTick = tick
        // A far tick is re-armed when the timer fires early for it (it pops nothing).
        let delay = min(max(0, tick * Self.tickNanoseconds - clock()), Self.armedDelayMax)
        driver.arm(afterNanoseconds: delay)
    }

    /// Later deadlines sleep until this one (about 146 years): a tick's nanoseconds must not
    /// overflow.
    private static let deadlineMax = Int64.max / 2
    /// The driver is armed at most this far ahead.
    private static let armedDelayMax: Int64 = 3_600_000_000_000

    private static func tick(atOrAfter nanoseconds: Int64) -> Int64 {
        nanoseconds <= 0 ? 0 : (nanoseconds - 1) / tickNanoseconds + 1
    }
}
