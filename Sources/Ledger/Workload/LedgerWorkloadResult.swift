import Core

/// The outcome of a built-in ledger run: what was submitted, what the ledger answered, and
/// whether its books agree with themselves and with what the producers saw applied.
public struct LedgerWorkloadResult: Sendable {
    public var configuration: LedgerWorkloadConfiguration
    public var captures = 0
    public var refunds = 0
    public var payouts = 0
    public var holds = 0
    public var posts = 0
    public var voids = 0
    /// Submissions (originals and redeliveries) the ledger booked.
    public var applied = 0
    /// Refusals by `TransferError.reason`.
    public var rejected: [String: Int] = [:]
    public var redeliveries = 0
    public var redeliveriesAlreadyApplied = 0
    public var redeliveriesApplied = 0
    /// Transfer ids booked twice according to the ledger's own answers: must be zero.
    public var appliedTwice = 0
    /// Accounts whose ledger balance differs from the sum of the transfers the producers saw
    /// applied: must be zero (a double booking the answers hid would show up here).
    public var balanceMismatches = 0
    public var reconciliation: LedgerReconciliation
    public var traceDigest: UInt64
    /// Digest of every account's final totals, in account order.
    public var balancesDigest: UInt64
    public var accounts: Int
    public var submitCalls = 0
    /// Wall-clock time of the submissions (reporting only).
    public var wallTime: Duration

    /// Distinct transfers created.
    public var transfers: Int { captures + refunds + payouts + holds + posts + voids }
    public var submissions: Int { transfers + redeliveries }

    /// Every check of the run held.
    public var checksHold: Bool { appliedTwice == 0 && balanceMismatches == 0 && reconciliation.isBalanced }

    /// Submissions per second of wall time.
    public var submissionsPerSecond: Double {
        let seconds = Double(wallTime.components.seconds) + Double(wallTime.components.attoseconds) / 1e18
        return seconds > 0 ? Double(submissions) / seconds : 0
    }
}
