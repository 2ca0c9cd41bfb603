import Synchronization

/// The seeded, single-threaded runtime: one seed, one exact run.
///
/// ```swift
/// let runtime = DeterministicRuntime(seed: 42)
/// let balances = try runtime.run { await workload(runtime) }
/// ```
/// `run` drives the executor on the calling thread until the body returns. Tasks that the body
/// spawned and left running are not waited for.
public final class DeterministicRuntime: Runtime {
    public let seed: UInt64
    public var isDeterministic: Bool { true }
    public let executor: DeterministicExecutor
    private let escapedJobs = Atomic<Int>(0)

    public init(seed: UInt64) {
        self.seed = seed
        self.executor = DeterministicExecutor(seed: seed)
    }

    public func now() -> SimTime { SimTime(nanoseconds: executor.nowNanoseconds) }

    public func sleep(until deadline: SimTime) async throws {
        try await executor.sleep(until: deadline.nanoseconds)
    }

    @discardableResult
    public func spawn(_ operation: sending @escaping @isolated(any) () async -> Void) -> Task<Void, Never> {
        Task(executorPreference: executor, operation: operation)
    }

    public func makeAlarm() -> any RuntimeAlarm { DeterministicAlarm(executor: executor) }

    /// Runs `body` to completion on this thread, in virtual time.
    ///
    /// - Throws: the body's error, or `DeterministicRuntimeError` if the run stalled.
    public func run<T: Sendable>(_ body: sending @escaping () async throws -> T) throws -> T {
        let outcome = Mutex<Result<T, any Error>?>(nil)
        // Checked after every job: a plain flag, because reading the generic `outcome` costs a
        // metadata lookup each time (measured at several percent of a whole scenario run).
        let done = Atomic<Bool>(false)
        Task(executorPreference: executor) {
            do {
                let value = try await body()
                outcome.withLock { $0 = .success(value) }
            } catch {
                outcome.withLock { $0 = .failure(error) }
            }
            done.store(true, ordering: .releasing)
        }
        let escaped = try executor.drive(until: { done.load(ordering: .acquiring) })
        escapedJobs.add(escaped, ordering: .relaxed)
        return try outcome.withLock { $0! }.get()
    }

    /// Jobs that left this runtime for the global pool during `run` calls: must be zero.
    public var escapedJobCount: Int { escapedJobs.load(ordering: .relaxed) }

    /// Counters of the run so far; `scheduleDigest` changes if any scheduling choice does.
    public var statistics: Statistics {
        let s = executor.statistics
        return Statistics(
            jobsRun: s.jobsRun, timersFired: s.timersFired, readyJobsMax: s.readyMax,
            sleepersParked: s.sleepers, scheduleDigest: s.digest, escapedJobs: escapedJobCount,
            virtualTime: now())
    }

    public struct Statistics: Sendable, Equatable {
        public var jobsRun: UInt64
        public var timersFired: UInt64
        public var readyJobsMax: Int
        public var sleepersParked: Int
        public var scheduleDigest: UInt64
        public var escapedJobs: Int
        public var virtualTime: SimTime
    }
}
