/// What the orchestrator counts as it runs: figures for the report, and internal errors that
/// the run treats as invariant violations.
public struct OrchestratorCounters: Sendable, Hashable {
    public var transitions: Int64 = 0
    public var authorizationTimeouts: Int64 = 0
    public var inquiries: Int64 = 0
    public var reversals: Int64 = 0
    /// Bank debits returned and reversed in the ledger.
    public var bankReturns: Int64 = 0
    /// Returns the bank rail reported that could not be applied (the payment was retired, or
    /// refunded or disputed meanwhile): each leaves the ledger and the rail's file apart.
    public var bankReturnsNotApplied: Int64 = 0
    /// Obligations towards the networks (reversals, captures, refunds, chargebacks): owed,
    /// attempts the network did not confirm (it was down) and that were sent again later,
    /// refused by the network for good (explained in the settlement reconciliation), and dropped
    /// for a full table (must be 0).
    public var networkObligationsOwed: Int64 = 0
    public var networkObligationRetries: Int64 = 0
    public var networkObligationsRefused: Int64 = 0
    public var networkObligationsDropped: Int64 = 0
    /// Transfers the ledger refused although the state machine allowed the step: must be 0.
    public var ledgerRefusals: Int64 = 0
    /// Ledger transfers applied for this system's payments (a run's time series reads it).
    public var ledgerTransfersApplied: Int64 = 0
    /// The first violations, described (at most 20).
    public var violationExamples: [String] = []
    /// Transitions the journal refused and that were undone in memory (the caller got
    /// `journalUnavailable`).
    public var transitionsUndone: Int64 = 0
    /// Refused transitions that could not be undone because another command had moved the
    /// payment on meanwhile: must be 0 (memory would claim what the journal does not hold).
    public var undoConflicts: Int64 = 0
    public var undoConflictExamples: [String] = []

    mutating func noteViolation(_ text: String) {
        if violationExamples.count < 20 { violationExamples.append(text) }
    }
}
