import CPaystormHooks
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A `TaskExecutor` that runs one ready job at a time on the thread that drives it, choosing
/// among the ready jobs with a seeded generator, and owns a virtual clock.
///
/// Virtual time stands still while jobs run; when no job is ready, the clock jumps to the next
/// parked sleeper's deadline and wakes every sleeper due then. The choice of job is the only
/// source of interleaving, so one seed gives one interleaving: a run is reproduced exactly.
///
/// Tasks reach this executor through `Task(executorPreference:)`. Default actors called from such
/// a task, and the task's child tasks, run here too; a bare `Task {}` does not, which is why
/// simulation code spawns through `Runtime.spawn`.
public final class DeterministicExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: all mutable state is behind `state`, a Mutex.

    struct State {
        var ready: [UnownedJob] = []
        var timers = TimerQueue()
        var chooser: RandomStream
        var jobsRun: UInt64 = 0
        var timersFired: UInt64 = 0
        var readyMax: Int = 0
        /// A running digest of every scheduling choice: equal digests, equal interleavings.
        var scheduleDigest: UInt64 = 0xcbf2_9ce4_8422_2325
    }

    private let state: Mutex<State>
    /// The virtual clock, apart from `state`: `now()` is read on nearly every step of a payment
    /// (timestamps, deadlines, latencies), and a lock round trip for each read measured about 1%
    /// of a whole run. Only the driving thread moves it, between jobs.
    private let clock = Atomic<Int64>(0)

    public init(seed: UInt64) {
        state = Mutex(State(chooser: RandomStream(seed: seed).derived("scheduler")))
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        state.withLock { state in
            state.ready.append(job)
            if state.ready.count > state.readyMax { state.readyMax = state.ready.count }
        }
    }

    var nowNanoseconds: Int64 { clock.load(ordering: .acquiring) }

    // MARK: Virtual clock

    func sleep(until deadline: Int64) async throws {
        try Task.checkCancellation()
        let id = state.withLock { $0.timers.reserve() }
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
                let parked = state.withLock { $0.timers.attach(id, deadline: deadline, continuation) }
                if !parked { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            // Resume outside the lock: resuming enqueues a job, which takes the lock.
            let continuation = state.withLock { $0.timers.cancel(id) }
            continuation?.resume(throwing: CancellationError())
        }
    }

    /// Reserves a sleeper for `park(until:reserved:)`, so that `wake(_:)` can name it before
    /// it parks (a wake that comes first makes the park return at once).
    func reserveSleeper() -> UInt64 { state.withLock { $0.timers.reserve() } }

    /// Parks until `deadline` or until `wake(id)`, whichever comes first.
    func park(until deadline: Int64, reserved id: UInt64) async {
        try? await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
            let parked = state.withLock { $0.timers.attach(id, deadline: deadline, continuation) }
            if !parked { continuation.resume() }
        }
    }

    /// Wakes the sleeper `id` now; nothing if it woke already.
    func wake(_ id: UInt64) {
        // Resume outside the lock: resuming enqueues a job, which takes the lock.
        let continuation = state.withLock { $0.timers.cancel(id) }
        continuation?.resume()
    }

    // MARK: Driving

    /// Runs jobs on the calling thread until `isDone` holds after a job.
    ///
    /// - Throws: `DeterministicRuntimeError.stalled` when no job is ready, no sleeper is parked
    ///   and `isDone` is still false: some task waits for something that can never happen in
    ///   this run (a lost continuation, a deadlock between actors).
    func drive(until isDone: () -> Bool) throws(DeterministicRuntimeError) -> Int {
        paystorm_tripwire_arm()
        defer { _ = paystorm_tripwire_disarm() }
        let executor = asUnownedTaskExecutor()
        // One buffer for every clock step's sleepers due, rather than an array made per step.
        var due: [UnsafeContinuation<Void, any Error>] = []
        while !isDone() {
            if let job = nextJob() {
                job.runSynchronously(on: executor)
                continue
            }
            due.removeAll(keepingCapacity: true)
            state.withLock { state in
                guard let deadline = state.timers.nextDeadline() else { return }
                let now = max(clock.load(ordering: .relaxed), deadline)
                clock.store(now, ordering: .releasing)
                let count = due.count
                state.timers.popDue(now: now, into: &due)
                state.timersFired &+= UInt64(due.count - count)
            }
            if due.isEmpty {
                // Nothing here can make progress. Only a job enqueued from another thread can
                // (a task that escaped to the pool resuming one of ours, or real I/O finishing):
                // give that a moment, then call the run stalled rather than hang.
                if waitForExternalJob() { continue }
                throw .stalled(atNanoseconds: nowNanoseconds, escapedJobs: paystorm_tripwire_count())
            }
            for continuation in due { continuation.resume() }
        }
        return paystorm_tripwire_count()
    }

    /// How long a run with nothing to do waits for a job from another thread before it is
    /// declared stalled. Wall-clock time, spent only on that degenerate path.
    static let externalWaitMilliseconds = 1_000

    private func waitForExternalJob() -> Bool {
        for _ in 0..<(Self.externalWaitMilliseconds * 5) {
            if state.withLock({ !$0.ready.isEmpty }) { return true }
            usleep(200)
        }
        return false
    }

    private func nextJob() -> UnownedJob? {
        state.withLock { state in
            let count = state.ready.count
            guard count > 0 else { return nil }
            let pick = count == 1 ? 0 : state.chooser.index(count)
            state.ready.swapAt(pick, count - 1)
            state.jobsRun &+= 1
            state.scheduleDigest =
                (state.scheduleDigest ^ UInt64(pick << 32 | count)) &* 0x0000_0100_0000_01b3
            return state.ready.removeLast()
        }
    }

    var statistics: (jobsRun: UInt64, timersFired: UInt64, readyMax: Int, sleepers: Int, digest: UInt64) {
        state.withLock { ($0.jobsRun, $0.timersFired, $0.readyMax, $0.timers.count, $0.scheduleDigest) }
    }
}

/// Why a deterministic run could not go on.
public enum DeterministicRuntimeError: Error, Equatable, CustomStringConvertible {
    case stalled(atNanoseconds: Int64, escapedJobs: Int)
    case escaped(jobs: Int)

    public var description: String {
        switch self {
        case .stalled(let nanoseconds, let escaped):
            "deterministic run stalled at \(SimTime(nanoseconds: nanoseconds)): no job is ready and no "
                + "timer is parked, yet the run has not finished (a lost continuation or an actor "
                + "deadlock)" + (escaped > 0 ? "; \(escaped) job(s) escaped to the global pool" : "")
        case .escaped(let jobs):
            "\(jobs) job(s) escaped the deterministic executor to the global pool (a bare Task {} "
                + "or Task.detached in simulation code?)"
        }
    }
}
