import Synchronization

/// A journal held in memory: the fastest backend, for runs that do not need to survive a crash,
/// and the reference behavior the file journal is tested against.
///
/// A `Mutex` rather than an actor: every operation is a short synchronous critical section that
/// never suspends, so an append adds no scheduling point to a deterministic run (an actor hop
/// would, and would make the interleaving depend on the journal backend).
///
/// Bounded only by memory unless `Configuration.recordsMax` is set: every record appended stays
/// until the journal is released (there is no retention). Long runs that keep a memory journal
/// should set `recordsMax` so that a runaway run fails with `JournalError.full` instead of
/// exhausting the machine.
public final class InMemoryJournal: Journal {
    public struct Configuration: Sendable {
        /// Appends that would take the journal past this many records throw `.full`.
        public var recordsMax: Int
        /// The largest payload accepted, as the file journal enforces, so that a test against
        /// memory does not pass with a record the file journal would refuse.
        public var recordBytesMax: Int

        public init(
            recordsMax: Int = .max, recordBytesMax: Int = FileJournal.Configuration.defaultRecordBytesMax
        ) {
            self.recordsMax = recordsMax
            self.recordBytesMax = recordBytesMax
        }
    }

    private struct State {
        var records: [JournalRecord] = []
        var snapshot: JournalSnapshot?
        var closed = false
    }

    public let configuration: Configuration
    private let state = Mutex(State())

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public func append(_ records: [JournalRecord]) async throws(JournalError) -> JournalPosition {
        for record in records where record.payload.count > configuration.recordBytesMax {
            throw .recordTooLarge(bytes: record.payload.count, max: configuration.recordBytesMax)
        }
        return try state.withLock { (state) throws(JournalError) -> JournalPosition in
            guard !state.closed else { throw .closed }
            guard records.count <= configuration.recordsMax - state.records.count else {
                throw .full(recordsMax: configuration.recordsMax)
            }
            state.records.append(contentsOf: records)
            return JournalPosition(UInt64(state.records.count))
        }
    }

    public func read(from position: JournalPosition, limit: Int) async throws(JournalError) -> [JournalEntry]
    {
        state.withLock { state in
            let first = max(position.sequence, 1)
            let count = UInt64(state.records.count)
            guard first <= count, limit > 0 else { return [] }
            let end = first - 1 + min(UInt64(limit), count - (first - 1))
            var entries: [JournalEntry] = []
            entries.reserveCapacity(Int(end - (first - 1)))
            for sequence in first...end {
                entries.append(
                    JournalEntry(
                        position: JournalPosition(sequence), record: state.records[Int(sequence - 1)]))
            }
            return entries
        }
    }

    public func snapshot(_ data: [UInt8], upTo position: JournalPosition) async throws(JournalError) {
        try state.withLock { (state) throws(JournalError) in
            let last = JournalPosition(UInt64(state.records.count))
            guard position <= last else { throw .invalidPosition(position, last: last) }
            state.snapshot = JournalSnapshot(position: position, data: data)
        }
    }

    public func latestSnapshot() async throws(JournalError) -> JournalSnapshot? {
        state.withLock { $0.snapshot }
    }

    public func lastPosition() async -> JournalPosition {
        state.withLock { JournalPosition(UInt64($0.records.count)) }
    }

    public func close() async {
        state.withLock { $0.closed = true }
    }
}
