import Journal

/// Makes a `Journal` the ledger's `LedgerJournal`: each submitted batch of applied transfers
/// becomes one `append` of `LedgerTransferRecord`s.
///
/// One append per batch, not per transfer: the file journal's group commit gathers the appends
/// of concurrent submitters into one write and one sync, so the ledger pays one sync per group
/// of batches, and a batch's records are contiguous in the log.
public struct JournalLedgerAdapter: LedgerJournal {
    public let journal: any Journal

    public init(_ journal: any Journal) {
        self.journal = journal
    }

    /// Appends `batch` and returns once it is durable; throws the journal's error otherwise
    /// (the ledger then fails the submission: nothing unjournaled is acknowledged).
    public func record(_ batch: [Transfer]) async throws {
        if batch.isEmpty { return }
        _ = try await journal.append(batch.map { JournalRecord($0.journalRecord) })
    }
}
