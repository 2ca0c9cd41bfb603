import DequeModule
import Synchronization

/// A journal held in memory: the fastest backend, for runs that do not need to survive a crash,
/// and the reference behavior the file journal is tested against.
///
/// A `Mutex` rather than an actor: every operation is a short synchronous critical section that
/// never suspends, so an append adds no scheduling point to a deterministic run (an actor hop
/// would, and would make the interleaving depend on the journal backend).
///
/// Retention: with `Configuration.dropsSnapshottedRecords`, a snapshot drops every record at or
/// before its position (as a Kafka log deletes segments below the last checkpoint), so that the
/// journal holds one snapshot plus the tail after it; reading a dropped position throws
/// `JournalError.compacted` rather than silently returning fewer records. Without it every
/// record stays until the journal is released. `Configuration.recordsMax` bounds the records
/// held, so that a runaway run fails with `JournalError.full` instead of exhausting the machine.
public final class InMemoryJournal: Journal {
    public struct Configuration: Sendable {
        /// Appends that would take the journal past this many records held throw `.full`.
        public var recordsMax: Int
        /// The largest payload accepted, as the file journal enforces, so that a test against
        /// memory does not pass with a record the file journal would refuse.
        public var recordBytesMax: Int
        /// A snapshot drops the records it covers (positions keep counting).
        public var dropsSnapshottedRecords: Bool

        public init(
            recordsMax: Int = .max, recordBytesMax: Int = FileJournal.Configuration.defaultRecordBytesMax,
            dropsSnapshottedRecords: Bool = false
        ) {
            self.recordsMax = recordsMax
            self.recordBytesMax = recordBytesMax
            self.dropsSnapshottedRecords = dropsSnapshottedRecords
        }
    }

    private struct State {
        /// The records held, the first of them at position `dropped + 1`.
        var records: Deque<JournalRecord> = []
        /// Records dropped by retention (all at or before the snapshot's position).
        var dropped: UInt64 = 0
        var snapshot: JournalSnapshot?
        var closed = false

        var last: UInt64 { dropped + UInt64(records.count) }
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
            return JournalPosition(state.last)
        }
    }

    public func read(from position: JournalPosition, limit: Int) async throws(JournalError) -> [JournalEntry]
    {
        try state.withLock { (state) throws(JournalError) -> [JournalEntry] in
            let first = max(position.sequence, 1)
            guard first > state.dropped else {
                throw .compacted(requested: position, firstRetained: JournalPosition(state.dropped + 1))
            }
            guard first <= state.last, limit > 0 else { return [] }
            let end = min(state.last, first - 1 + UInt64(limit))
            var entries: [JournalEntry] = []
            entries.reserveCapacity(Int(end - first + 1))
            for sequence in first...end {
                entries.append(
                    JournalEntry(
                        position: JournalPosition(sequence),
                        record: state.records[Int(sequence - state.dropped - 1)]))
            }
            return entries
        }
    }

    public func snapshot(_ data: [UInt8], upTo position: JournalPosition) async throws(JournalError) {
        try state.withLock { (state) throws(JournalError) in
            let last = JournalPosition(state.last)
            guard position <= last else { throw .invalidPosition(position, last: last) }
            // An older snapshot arriving late must not replace a newer one (nor un-drop records).
            if let current = state.snapshot, current.position > position { return }
            state.snapshot = JournalSnapshot(position: position, data: data)
            if configuration.dropsSnapshottedRecords && position.sequence > state.dropped {
                state.records.removeFirst(Int(position.sequence - state.dropped))
                state.dropped = position.sequence
            }
        }
    }

    public func latestSnapshot() async throws(JournalError) -> JournalSnapshot? {
        state.withLock { $0.snapshot }
    }

    public func lastPosition() async -> JournalPosition {
        state.withLock { JournalPosition($0.last) }
    }

    /// The oldest position still held (`lastPosition().next` when empty): what a reader that
    /// does not start from the snapshot must start at or after.
    public func firstRetainedPosition() -> JournalPosition {
        state.withLock { JournalPosition($0.dropped + 1) }
    }

    /// Records held now (at most `recordsMax`).
    public var recordsHeld: Int { state.withLock { $0.records.count } }

    public func close() async {
        state.withLock { $0.closed = true }
    }
}
