/// What `LedgerBenchmark.run` measured and checked.
public struct LedgerBenchmarkResult: Sendable, Codable {
    public var configuration: LedgerBenchmarkConfiguration
    public var batches = 0
    public var transfersSubmitted = 0
    public var transfersAccepted = 0
    /// Refused transfers by `BatchTransferError.reason`.
    public var refusals: [String: Int] = [:]
    /// Wall time of the load phase: drawing, submitting and waiting for every batch.
    public var loadWallTime: Duration = .zero
    /// Time from a batch's `submit` to its answer (durable, with a journal).
    public var batchLatency = LatencyPercentiles()
    public var queryLatency = LatencyPercentiles()
    public var queryTransfersReturned = 0
    /// Lookups whose answer fit the client's own record.
    public var queriesChecked = 0
    public var queryMismatches = 0
    /// Accounts whose totals differ from the client's record of what was accepted: must be 0.
    public var balanceMismatches = 0
    /// The accounts' debits and credits each sum to the amounts booked.
    public var isBalanced = false
    public var balancesDigest: UInt64 = 0

    public init(configuration: LedgerBenchmarkConfiguration) {
        self.configuration = configuration
    }

    /// Every check of the run held.
    public var checksHold: Bool { balanceMismatches == 0 && queryMismatches == 0 && isBalanced }

    /// Accepted transfers per second of the load phase.
    public var acceptedPerSecond: Double {
        let seconds =
            Double(loadWallTime.components.seconds) + Double(loadWallTime.components.attoseconds) / 1e18
        return seconds > 0 ? Double(transfersAccepted) / seconds : 0
    }
}
