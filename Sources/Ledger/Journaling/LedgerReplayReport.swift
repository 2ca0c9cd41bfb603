/// What replaying a journal into a ledger did: how many transfers it read and applied, and
/// anything it could not apply.
public struct LedgerReplayReport: Sendable, Hashable, CustomStringConvertible {
    /// `LedgerTransferRecord`s read.
    public var transfersRead = 0
    /// Records of other types, left to their own consumers (payment events, merchants, ...).
    public var otherRecords = 0
    public var applied = 0
    /// Transfers the replayed ledger already held: a transfer journaled twice. The live ledger
    /// journals only what it applied, so this should be zero; exactly-once makes it harmless.
    public var alreadyApplied = 0
    /// Transfers refused at their place in the log and applied on a later pass. Concurrent
    /// submitters journal in the order their appends reach the journal, not the order the
    /// shards booked them, so a debit can precede the credit that covered it.
    public var appliedAfterDeferral = 0
    /// Transfers that could not be applied at all (at most `rejectedExamplesMax` listed).
    public var rejected = 0
    public var rejectedExamples: [String] = []
    static let rejectedExamplesMax = 20

    public init() {}

    /// Every journaled transfer is in the ledger again.
    public var isComplete: Bool { rejected == 0 }

    /// Counts a transfer that cannot be applied at all, keeping the first examples.
    mutating func noteRejected(_ transfer: Transfer, reason: String) {
        rejected += 1
        if rejectedExamples.count < Self.rejectedExamplesMax {
            rejectedExamples.append("\(transfer.id): \(reason)")
        }
    }

    /// Counts the outcome of a deferred transfer's retry (`LedgerReplayer` and `LedgerFold`
    /// retry alike).
    /// - Returns: true if it was refused again and stays deferred.
    mutating func noteRetried(_ outcome: TransferOutcome) -> Bool {
        switch outcome {
        case .applied:
            applied += 1
            appliedAfterDeferral += 1
            return false
        case .alreadyApplied:
            alreadyApplied += 1
            return false
        case .rejected:
            return true
        }
    }

    public var description: String {
        var text =
            "replayed \(transfersRead) transfers: \(applied) applied (\(appliedAfterDeferral) after deferral), "
            + "\(alreadyApplied) already applied, \(rejected) rejected"
        if !rejectedExamples.isEmpty { text += " [" + rejectedExamples.joined(separator: "; ") + "]" }
        return text
    }
}
