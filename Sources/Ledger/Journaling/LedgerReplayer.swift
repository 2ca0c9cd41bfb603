import Journal

/// Re-submits journaled transfers, in journal order, to a fresh ledger: the ledger half of
/// recovery.
///
/// Exactly-once makes replay idempotent (a transfer already in the ledger answers
/// `alreadyApplied`). What to submit when, and what a refusal means (deferral, retry passes,
/// the final report), is `ReplayStateMachine`'s, shared with `LedgerFold`; this carries its
/// submissions out on `ledger`, one hop per shard per chunk.
public struct LedgerReplayer: Sendable {
    public let ledger: ShardedLedger
    private var replay: ReplayStateMachine

    public init(ledger: ShardedLedger, chunkSize: Int = 1_024) {
        self.ledger = ledger
        replay = ReplayStateMachine(chunkSize: min(chunkSize, ledger.configuration.batchMax))
    }

    /// Transfers submitted together.
    public var chunkSize: Int { replay.chunkSize }

    /// What the replay did so far.
    public var report: LedgerReplayReport { replay.report }

    /// Queues one journaled transfer; submits when a chunk is full.
    public mutating func add(_ transfer: Transfer) async throws(LedgerError) {
        if replay.add(transfer) { try await flush() }
    }

    /// Decodes and queues a journal entry if it is a ledger transfer; counts it otherwise.
    /// - Throws: `LedgerReplayError` for an undecodable record or a failed submission.
    public mutating func add(_ entry: JournalEntry) async throws(LedgerReplayError) {
        guard entry.record.type == LedgerTransferRecord.recordType else {
            replay.skipOtherRecord()
            return
        }
        let transfer: Transfer
        do {
            transfer = try Transfer(journalRecord: entry.record.decode(LedgerTransferRecord.self))
        } catch {
            throw .undecodable(entry.position, error)
        }
        do {
            try await add(transfer)
        } catch {
            throw .ledger(error)
        }
    }

    /// Submits the queued chunk, then retries the deferred transfers once.
    public mutating func flush() async throws(LedgerError) {
        try await run(replay.flush())
    }

    /// Submits what is queued and retries the deferred transfers until a pass applies none;
    /// what is still refused is reported as rejected.
    public mutating func finish() async throws(LedgerError) -> LedgerReplayReport {
        try await run(replay.finish())
        return replay.report
    }

    /// Carries out the replay's submissions until it has none left.
    private mutating func run(_ first: ReplayStateMachine.Action) async throws(LedgerError) {
        var action = first
        while case .submit(let transfers) = action {
            let outcomes: [TransferOutcome]
            do {
                outcomes = try await ledger.submit(transfers)
            } catch {
                // What was out is lost with the submission, as a failed append loses it.
                replay.abandonSubmission()
                throw error
            }
            action = replay.submitted(outcomes)
        }
    }
}

/// Why a replay stopped.
public enum LedgerReplayError: Error, Sendable, CustomStringConvertible {
    /// A record tagged as a ledger transfer did not decode.
    case undecodable(JournalPosition, JournalError)
    /// Reading the journal failed.
    case journal(JournalError)
    /// The ledger refused a submission as a whole.
    case ledger(LedgerError)

    public var description: String {
        switch self {
        case .undecodable(let position, let error): "ledger transfer at \(position) does not decode: \(error)"
        case .journal(let error): "reading the journal failed: \(error)"
        case .ledger(let error): "replay submission failed: \(error)"
        }
    }
}

extension ShardedLedger {
    /// Re-submits every transfer journaled in `journal` (from its first record) to this ledger,
    /// which should be fresh and configured like the one that wrote the journal (same limits),
    /// and returns what happened. Records of other types are skipped.
    /// - Throws: `LedgerReplayError`.
    public func replay(from journal: any Journal) async throws(LedgerReplayError) -> LedgerReplayReport {
        var replayer = LedgerReplayer(ledger: self)
        do {
            for try await entry in journal.entries(from: .origin) {
                try await replayer.add(entry)
            }
        } catch let error as LedgerReplayError {
            throw error
        } catch let error as JournalError {
            throw .journal(error)
        } catch {
            throw .journal(.invalidConfiguration("\(error)"))
        }
        do {
            return try await replayer.finish()
        } catch {
            throw .ledger(error)
        }
    }
}
