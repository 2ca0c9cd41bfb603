/// Where the ledger makes applied transfers durable before it acknowledges them.
///
/// The ledger calls `record` once per submitted batch, with the transfers that batch applied,
/// after booking them in memory and before returning their outcomes: an acknowledged transfer
/// is a journaled one. The Journal module provides the real implementation; the ledger does not
/// import it (the integrator adapts one to the other).
public protocol LedgerJournal: Sendable {
    /// Makes `batch` durable; throwing fails the whole submission (`LedgerError.journalFailed`).
    func record(_ batch: [Transfer]) async throws
}

/// The journal of a purely in-memory run: records nothing. The ledger recognizes it and skips
/// building the batch.
public struct NoLedgerJournal: LedgerJournal {
    public init() {}
    public func record(_ batch: [Transfer]) async throws {}
}
