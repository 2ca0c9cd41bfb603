import Journal

/// Re-submits journaled transfers, in journal order, to a fresh ledger: the ledger half of
/// recovery.
///
/// Exactly-once makes replay idempotent (a transfer already in the ledger answers
/// `alreadyApplied`). Transfers are submitted in chunks of `chunkSize` (one hop per shard per
/// chunk); a transfer refused at its place (a limit, a post before its pending transfer) is
/// deferred and retried after later chunks, because the journal's order is the order appends
/// arrived, which may differ from the order the live shards booked them. A refusal that
/// persists once everything else is in is reported, never dropped silently.
///
/// Memory: one chunk plus the deferred transfers (at most `deferredMax`; beyond that they are
/// reported as rejected).
public struct LedgerReplayer: Sendable {
    public let ledger: ShardedLedger
    public let chunkSize: Int
    public static let deferredMax = 1 << 16
    public private(set) var report = LedgerReplayReport()
    private var chunk: [Transfer] = []
    private var deferred: [Transfer] = []

    public init(ledger: ShardedLedger, chunkSize: Int = 1_024) {
        self.ledger = ledger
        self.chunkSize = max(1, min(chunkSize, ledger.configuration.batchMax))
        chunk.reserveCapacity(self.chunkSize)
    }

    /// Queues one journaled transfer; submits when a chunk is full.
    public mutating func add(_ transfer: Transfer) async throws(LedgerError) {
        report.transfersRead += 1
        chunk.append(transfer)
        if chunk.count >= chunkSize { try await flush() }
    }

    /// Decodes and queues a journal entry if it is a ledger transfer; counts it otherwise.
    /// - Throws: `LedgerReplayError` for an undecodable record or a failed submission.
    public mutating func add(_ entry: JournalEntry) async throws(LedgerReplayError) {
        guard entry.record.type == LedgerTransferRecord.recordType else {
            report.otherRecords += 1
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
        if !chunk.isEmpty {
            let transfers = chunk
            chunk.removeAll(keepingCapacity: true)
            let outcomes = try await ledger.submit(transfers)
            for (transfer, outcome) in zip(transfers, outcomes) {
                switch outcome {
                case .applied: report.applied += 1
                case .alreadyApplied: report.alreadyApplied += 1
                case .rejected(let error): postpone(transfer, error)
                }
            }
        }
        _ = try await retryDeferred()
    }

    /// Submits what is queued and retries the deferred transfers until a pass applies none;
    /// what is still refused is reported as rejected.
    public mutating func finish() async throws(LedgerError) -> LedgerReplayReport {
        try await flush()
        while try await retryDeferred() > 0 {}
        for transfer in deferred { reject(transfer, reason: "still refused after every other transfer") }
        deferred.removeAll()
        return report
    }

    /// One pass over the deferred transfers; returns how many it applied.
    private mutating func retryDeferred() async throws(LedgerError) -> Int {
        if deferred.isEmpty { return 0 }
        var progress = 0
        var start = 0
        var stillRefused: [Transfer] = []
        while start < deferred.count {
            let end = min(start + chunkSize, deferred.count)
            let transfers = Array(deferred[start..<end])
            let outcomes = try await ledger.submit(transfers)
            for (transfer, outcome) in zip(transfers, outcomes) {
                if report.noteRetried(outcome) {
                    stillRefused.append(transfer)
                } else if case .applied = outcome {
                    progress += 1
                }
            }
            start = end
        }
        deferred = stillRefused
        return progress
    }

    private mutating func postpone(_ transfer: Transfer, _ error: TransferError) {
        guard deferred.count < Self.deferredMax else {
            reject(transfer, reason: error.reason)
            return
        }
        deferred.append(transfer)
    }

    private mutating func reject(_ transfer: Transfer, reason: String) {
        report.noteRejected(transfer, reason: reason)
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
