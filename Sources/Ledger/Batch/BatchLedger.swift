import Journal

/// A ledger of numbered accounts that books two-leg transfers a batch at a time, journaled one
/// record per batch: TigerBeetle's data model (`create_transfers`, `get_account_transfers`)
/// beside the payment processor's `ShardedLedger`.
///
/// A thin actor around `BatchLedgerState`. With a journal, `submit` appends the batch (the
/// writer thread checksums, writes and syncs it) while this actor applies it, and answers once
/// both are done: an acknowledged batch is a durable one, and the sync's wait overlaps the
/// booking instead of following it. Submissions are taken one at a time, in arrival order, so
/// the journal's order is the order the state machine applied them and a replay repeats every
/// booking and every refusal.
public actor BatchLedger {
    public nonisolated let configuration: BatchLedgerConfiguration
    private var state: BatchLedgerState
    private let journal: (any Journal)?
    /// A submission is between its append and its answer; later ones wait in `waiting`.
    private var submitting = false
    private var waiting: [CheckedContinuation<Void, Never>] = []
    /// Set when the journal refused a batch: that batch is applied in memory but not durable, so
    /// the ledger answers nothing more (recover from the journal).
    private var journalFailure: String?

    /// A fresh ledger; `journal`, if any, receives each submitted batch before it is answered.
    /// - Throws: `LedgerError.invalidConfiguration`.
    public init(configuration: BatchLedgerConfiguration, journal: (any Journal)? = nil) throws(LedgerError) {
        try configuration.validate()
        self.configuration = configuration
        self.journal = journal
        state = BatchLedgerState(configuration: configuration)
    }

    private init(configuration: BatchLedgerConfiguration, journal: (any Journal)?, state: BatchLedgerState) {
        self.configuration = configuration
        self.journal = journal
        self.state = state
    }

    /// Books `batch` and returns its refused transfers (empty when all were booked).
    /// - Throws: `LedgerError.batchTooLarge`; `journalFailed` when the journal refused the batch
    ///   (or an earlier one): nothing of it is acknowledged.
    public func submit(_ batch: TransferBatch) async throws(LedgerError) -> [BatchRefusal] {
        guard batch.count <= configuration.batchMax else {
            throw .batchTooLarge(count: batch.count, max: configuration.batchMax)
        }
        guard let journal else { return state.apply(batch) }
        if submitting {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            submitting = true
        }
        defer { handOver() }
        if let journalFailure { throw .journalFailed(journalFailure) }
        let record = batch.journalRecord
        async let durable = journal.append([record])
        let refusals = state.apply(batch)
        do {
            _ = try await durable
        } catch {
            journalFailure = String(describing: error)
            throw .journalFailed(String(describing: error))
        }
        return refusals
    }

    /// Lets the next waiting submission in, or marks the ledger idle.
    private func handOver() {
        if waiting.isEmpty {
            submitting = false
        } else {
            waiting.removeFirst().resume()
        }
    }

    /// Sets the limits of account `account` (not journaled: set them again before a replay).
    /// - Throws: `LedgerError.invalidConfiguration` for an account number out of range.
    public func setFlags(_ flags: AccountFlags, for account: UInt32) throws(LedgerError) {
        guard state.setFlags(flags, for: account) else {
            throw .invalidConfiguration(
                "no account \(account) (accounts are 1...\(configuration.accountCount))")
        }
    }

    /// The account's posted totals; nil when there is no such account.
    public func balance(of account: UInt32) -> BatchAccountBalance? { state.balance(of: account) }

    /// The account's transfers, newest first, at most `limit`
    /// (TigerBeetle's `get_account_transfers` with both debits and credits, reversed).
    public func history(of account: UInt32, limit: Int) -> [BookedTransfer] {
        state.history(of: account, limit: limit)
    }

    /// The books summed from the accounts beside what was booked.
    public func audit() -> BatchLedgerAudit { state.audit }

    // MARK: Recovery

    /// Rebuilds a ledger from every batch `journal` holds, replayed through the state machine in
    /// journal order, and returns it with `journal` attached for further batches. Records of
    /// other types are counted and skipped.
    /// - Throws: `LedgerReplayError` for an unreadable journal or an undecodable batch;
    ///   `.ledger(.invalidConfiguration)` for a bad configuration.
    public static func recover(
        configuration: BatchLedgerConfiguration, from journal: any Journal,
        flags: [(account: UInt32, flags: AccountFlags)] = []
    ) async throws(LedgerReplayError) -> (ledger: BatchLedger, report: BatchReplayReport) {
        do {
            try configuration.validate()
        } catch {
            throw .ledger(error)
        }
        var state = BatchLedgerState(configuration: configuration)
        for (account, accountFlags) in flags where !state.setFlags(accountFlags, for: account) {
            throw .ledger(.invalidConfiguration("no account \(account)"))
        }
        var report = BatchReplayReport()
        do {
            for try await entry in journal.entries(from: .origin) {
                guard entry.record.type == TransferBatch.recordType else {
                    report.otherRecords += 1
                    continue
                }
                let batch: TransferBatch
                do {
                    batch = try TransferBatch(journalRecord: entry.record)
                } catch {
                    throw LedgerReplayError.undecodable(entry.position, error)
                }
                report.batches += 1
                report.transfers += batch.count
                report.refusals += state.apply(batch).count
            }
        } catch let error as LedgerReplayError {
            throw error
        } catch let error as JournalError {
            throw .journal(error)
        } catch {
            throw .journal(.invalidConfiguration("\(error)"))
        }
        return (BatchLedger(configuration: configuration, journal: journal, state: state), report)
    }
}

/// What a `BatchLedger.recover` replayed.
public struct BatchReplayReport: Sendable, Hashable, CustomStringConvertible {
    public var batches = 0
    /// Transfers read, booked or refused.
    public var transfers = 0
    /// Transfers refused on replay, as they were when first submitted.
    public var refusals = 0
    /// Records of other types, skipped.
    public var otherRecords = 0

    public var description: String {
        "replayed \(batches) batches, \(transfers) transfers (\(refusals) refused, as when submitted)"
    }
}
