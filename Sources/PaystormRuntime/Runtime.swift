/// How a run's world works: its clock, its randomness and where its tasks run.
///
/// Every actor and service takes its `Runtime` at creation and asks it, never the operating
/// system, for the time, for random numbers and to start tasks. Two implementations exist:
/// - `ConcurrentRuntime`: the global pool (all cores) and the monotonic clock;
/// - `DeterministicRuntime`: one thread, a seeded choice among ready jobs, a virtual clock that
///   jumps to the next timer. One seed reproduces a run exactly.
public protocol Runtime: AnyObject, Sendable {
    /// The run's seed; every random stream is derived from it.
    var seed: UInt64 { get }

    /// True for the single-threaded, seeded runtime.
    var isDeterministic: Bool { get }

    /// The time since the run started.
    func now() -> SimTime

    /// Suspends until `deadline`.
    /// - Throws: `CancellationError` if the task is cancelled first.
    func sleep(until deadline: SimTime) async throws

    /// Starts an unstructured task that runs on this runtime. Use instead of `Task {}`, which
    /// would escape the deterministic executor.
    @discardableResult
    func spawn(_ operation: sending @escaping @isolated(any) () async -> Void) -> Task<Void, Never>

    /// A sleep on this runtime's clock that another task can cut short (see `RuntimeAlarm`).
    func makeAlarm() -> any RuntimeAlarm
}

extension Runtime {
    /// Suspends for `duration` of this runtime's time.
    public func sleep(for duration: Duration) async throws {
        try await sleep(until: now() + duration)
    }

    /// The root random stream of the run: `randomStream("fraud", 3)` is the same sequence in
    /// every run with this seed, whatever else was created before it.
    public func randomStream(_ label: String, _ number: UInt64 = 0) -> RandomStream {
        RandomStream(seed: seed).derived(label, number)
    }

    /// Runs `operation`, and cancels it if it has not finished after `timeout` of runtime time.
    ///
    /// - Returns: the operation's result, or nil if the timeout came first.
    /// - Warning: the operation's side effects may already have happened when nil comes back:
    ///   a timed-out card authorization may have been approved. Callers must treat nil as
    ///   "outcome unknown", never as "did not happen".
    public func withTimeout<T: Sendable>(
        _ timeout: Duration, _ operation: @escaping @Sendable () async -> T
    ) async -> T? {
        await withTaskGroup(of: T?.self) { group in
            group.addTask { await operation() }
            group.addTask {
                try? await self.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
