import Journal
import Ledger
import PaystormRuntime
import Synchronization

/// Writes the journal's snapshots: a consumer that follows the journal from its last position,
/// folds what it reads with recovery's own fold (`RecoveryFold`), and every `recordsPerSnapshot`
/// records stores the fold with `journal.snapshot(_:upTo:)`.
///
/// A snapshot is therefore always the exact fold of a journal prefix, taken without stopping or
/// quiescing the live actors (as a TigerBeetle checkpoint or a PostgreSQL checkpoint record is
/// a point in the log, not a pause of the database). Recovery starts from it and replays the
/// tail.
///
/// It is also the run's journal with snapshots on: an append passes through to `journal` and,
/// when it reaches the next due position, has the checkpointer catch up. In a deterministic run
/// (or without a runtime) the catch-up runs inline, in the appender's task, after its append is
/// durable: nothing in the fold suspends, so in a simulated run (a memory journal, which never
/// suspends either) a checkpoint adds no job for the deterministic scheduler, and the run's
/// interleaving and digest are the same with and without snapshots. In a concurrent run it is
/// spawned through the runtime, so that no client waits for a snapshot's encoding. One
/// catch-up runs at a time; an append that finds one running leaves the work to it.
///
/// Memory: the fold (what recovery would hold at that position) plus one read batch.
public final class JournalCheckpointer: Journal {
    /// What the checkpointer did so far.
    public struct Statistics: Sendable, Hashable {
        public var snapshots = 0
        public var lastSnapshotPosition = JournalPosition.origin
        public var lastSnapshotBytes = 0
        public var largestSnapshotBytes = 0
        public var recordsFolded = 0
        /// Catch-ups that failed (a record that does not decode, a snapshot write refused);
        /// the journal itself is unaffected, recovery then starts from an older snapshot.
        public var failures = 0
        public var lastFailure: String?
    }

    private struct State {
        var fold: RecoveryFold?
        /// A catch-up holds the fold (or is loading it): others leave the work to it.
        var running = false
        var statistics = Statistics()
        /// The position whose append claims the next catch-up; `.max` once one failed.
        var nextDue: UInt64
    }

    public let journal: any Journal
    public let recordsPerSnapshot: Int
    public let ledgerConfiguration: LedgerConfiguration
    private let cipher: FieldCipher?
    private let runtime: (any Runtime)?
    private let state: Mutex<State>
    /// Records read per journal read.
    static let batchRecords = 4_096

    /// - Parameters:
    ///   - journal: the journal to follow and to snapshot (the backend itself, not a chaos or
    ///     fenced view: a snapshot belongs to the disk, not to one life of the process).
    ///   - recordsPerSnapshot: at least 1.
    ///   - ledgerConfiguration: the run's ledger configuration (the one recovery will use).
    ///   - cipher: the run's journal key, to open (and keep sealed) the card fields.
    ///   - runtime: where a catch-up an append claims runs (see above).
    public init(
        journal: any Journal, recordsPerSnapshot: Int, ledgerConfiguration: LedgerConfiguration,
        cipher: FieldCipher?, runtime: (any Runtime)? = nil
    ) {
        precondition(recordsPerSnapshot >= 1, "recordsPerSnapshot must be at least 1")
        self.journal = journal
        self.recordsPerSnapshot = recordsPerSnapshot
        self.ledgerConfiguration = ledgerConfiguration
        self.cipher = cipher
        self.runtime = runtime
        state = Mutex(State(nextDue: UInt64(recordsPerSnapshot)))
    }

    public func append(_ records: [JournalRecord]) async throws(JournalError) -> JournalPosition {
        let position = try await journal.append(records)
        guard claim(at: position) else { return position }
        if let runtime, !runtime.isDeterministic {
            runtime.spawn { [self] in await runClaimed() }
        } else {
            await runClaimed()
        }
        return position
    }

    public func read(from position: JournalPosition, limit: Int) async throws(JournalError) -> [JournalEntry]
    {
        try await journal.read(from: position, limit: limit)
    }

    public func snapshot(_ data: [UInt8], upTo position: JournalPosition) async throws(JournalError) {
        try await journal.snapshot(data, upTo: position)
    }

    public func latestSnapshot() async throws(JournalError) -> JournalSnapshot? {
        try await journal.latestSnapshot()
    }

    public func lastPosition() async -> JournalPosition { await journal.lastPosition() }

    public func close() async { await journal.close() }

    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// Claims the next catch-up when none is running and, given the journal's `position`, when
    /// it has grown to the next snapshot's; the caller must then call `runClaimed()`.
    private func claim(at position: JournalPosition? = nil) -> Bool {
        state.withLock { state in
            guard !state.running, (position?.sequence ?? .max) >= state.nextDue else { return false }
            state.running = true
            return true
        }
    }

    /// Folds every durable record after the fold's position, and snapshots when at least
    /// `recordsPerSnapshot` records were folded since the last snapshot. Returns at once if
    /// another catch-up is running. Failures are counted in `statistics`, never thrown: a
    /// snapshot is an optimization of recovery, and the journal stays complete without it.
    public func catchUp() async {
        if claim() { await runClaimed() }
    }

    /// Waits, in `runtime`'s time, until no catch-up is running: a run calls it before it
    /// reports and closes its journal, so that a spawned catch-up does not outlive the journal.
    public func idle(runtime: any Runtime) async {
        while state.withLock({ $0.running }) { try? await runtime.sleep(for: .milliseconds(1)) }
    }

    /// The catch-up itself, by the caller that set `running`.
    private func runClaimed() async {
        let (failed, held) = state.withLock { state in
            defer { state.fold = nil }
            if state.nextDue == .max { state.running = false }
            return (state.nextDue == .max, state.fold)
        }
        if failed { return }
        var folded = 0
        var written: (position: JournalPosition, bytes: Int)?
        var fold: RecoveryFold
        do {
            if let held {
                fold = held
            } else {
                fold = try await startingFold()
            }
            while true {
                let entries = try await journal.read(from: fold.position.next, limit: Self.batchRecords)
                if entries.isEmpty { break }
                for entry in entries { try fold.apply(entry) }
                folded += entries.count
            }
            let last = state.withLock { $0.statistics.lastSnapshotPosition }
            if fold.position.sequence >= last.sequence + UInt64(recordsPerSnapshot) {
                let bytes = try RecoverySnapshot.encode(fold)
                try await journal.snapshot(bytes, upTo: fold.position)
                written = (fold.position, bytes.count)
            }
        } catch {
            // A fold that failed mid-record is not a fold of a prefix any more, and without a
            // readable start there is nothing to continue from: drop it.
            state.withLock {
                $0.statistics.recordsFolded += folded
                Self.fail(&$0, "\(error)")
            }
            return
        }
        state.withLock { state in
            state.statistics.recordsFolded += folded
            if let written {
                state.statistics.snapshots += 1
                state.statistics.lastSnapshotPosition = written.position
                state.statistics.lastSnapshotBytes = written.bytes
                state.statistics.largestSnapshotBytes = max(
                    state.statistics.largestSnapshotBytes, written.bytes)
            }
            state.fold = fold
            state.nextDue = state.statistics.lastSnapshotPosition.sequence + UInt64(recordsPerSnapshot)
            state.running = false
        }
    }

    /// The fold to start from: the latest snapshot's (which counts as the last one written).
    private func startingFold() async throws -> RecoveryFold {
        let fold = try await PaymentSystemRecovery.startingFold(
            journal: journal, ledgerConfiguration: ledgerConfiguration, cipher: cipher)
        state.withLock { $0.statistics.lastSnapshotPosition = fold.position }
        return fold
    }

    /// Stops checkpointing for good: later snapshots would need a fold this one cannot give.
    private static func fail(_ state: inout State, _ reason: String) {
        state.statistics.failures += 1
        state.statistics.lastFailure = reason
        state.nextDue = .max
        state.running = false
        state.fold = nil
    }
}
