/// What one producer submitted and what the ledger answered.
struct LedgerProducerReport: Sendable {
    var captures = 0
    var refunds = 0
    var payouts = 0
    var holds = 0
    var posts = 0
    var voids = 0
    var applied = 0
    var rejected: [String: Int] = [:]
    var redeliveries = 0
    /// Redeliveries the ledger recognised: the point of exactly-once.
    var redeliveriesAlreadyApplied = 0
    /// Redeliveries of a transfer whose first delivery had been refused, booked now.
    var redeliveriesApplied = 0
    /// Ids the ledger answered `.applied` for more than once: must stay zero.
    var appliedTwice = 0
    var appliedIDs: Set<UInt64> = []
    /// Posted balance each account must have, from this producer's applied transfers alone.
    var expectedBalances: [AccountID: Int64] = [:]

    mutating func count(_ outcome: TransferOutcome, redelivery: Bool) {
        if redelivery { redeliveries += 1 }
        switch outcome {
        case .applied:
            applied += 1
            if redelivery { redeliveriesApplied += 1 }
        case .alreadyApplied:
            if redelivery { redeliveriesAlreadyApplied += 1 }
        case .rejected(let error):
            rejected[error.reason, default: 0] += 1
        }
    }
}
