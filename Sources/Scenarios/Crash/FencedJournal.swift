import Journal
import PaystormRuntime
import Synchronization

/// One life's view of the run's journal (the disk): when the process crashes, its view is
/// fenced, so that nothing the dead process does afterwards reaches the disk. The next life
/// reads the same journal through a new view.
///
/// Appends that had reached the journal before the fence finish (a write the kernel had taken);
/// `drained()` waits for them, so that recovery reads a journal nobody is still writing.
final class FencedJournal: Journal {
    let base: any Journal
    private let isFenced = Atomic<Bool>(false)
    private let appendsInFlight = Atomic<Int>(0)

    init(_ base: any Journal) {
        self.base = base
    }

    /// From now on every append of this view fails (`JournalError.closed`): the process is dead.
    func fence() { isFenced.store(true, ordering: .releasing) }

    /// Waits, in the runtime's time, until no append of this view is still in flight.
    func drained(runtime: any Runtime) async {
        while appendsInFlight.load(ordering: .acquiring) > 0 {
            try? await runtime.sleep(for: .milliseconds(1))
        }
    }

    func append(_ records: [JournalRecord]) async throws(JournalError) -> JournalPosition {
        guard !isFenced.load(ordering: .acquiring) else { throw .closed }
        appendsInFlight.add(1, ordering: .acquiringAndReleasing)
        defer { appendsInFlight.subtract(1, ordering: .acquiringAndReleasing) }
        return try await base.append(records)
    }

    func read(from position: JournalPosition, limit: Int) async throws(JournalError) -> [JournalEntry] {
        try await base.read(from: position, limit: limit)
    }

    func snapshot(_ data: [UInt8], upTo position: JournalPosition) async throws(JournalError) {
        guard !isFenced.load(ordering: .acquiring) else { throw .closed }
        try await base.snapshot(data, upTo: position)
    }

    func latestSnapshot() async throws(JournalError) -> JournalSnapshot? {
        try await base.latestSnapshot()
    }

    func lastPosition() async -> JournalPosition { await base.lastPosition() }

    /// The run's owner closes the journal itself; a life ending does not.
    func close() async {}
}
