/// Sizes and limits of a ledger. Every per-shard structure is bounded by one of these.
public struct LedgerConfiguration: Sendable {
    public static let legsPerTransferMaxDefault = 32

    /// Number of `LedgerShard` actors accounts are spread over.
    public var shardCount: Int
    /// Stripes per hot (system) account; the ledger uses `min(stripesMax, shardCount)` so
    /// that each stripe lives on its own shard.
    public var stripesMax: Int = 64
    /// Transfer ids each shard remembers exactly (see `TransferIDWindow`).
    public var deduplicationWindowPerShard: Int = 65_536
    /// Recent entries (one per booked leg) each shard keeps.
    public var entryHistoryPerShard: Int = 1_024
    /// Recent per-transfer nets each shard keeps for `reconcile()`'s per-transfer check.
    public var transferNetHistoryPerShard: Int = 4_096
    public var accountsPerShardMax: Int = 1 << 20
    /// Open pending (two-phase) transfers per shard.
    public var pendingPerShardMax: Int = 1 << 16
    public var legsPerTransferMax: Int = legsPerTransferMaxDefault
    /// Transfers per `submit` call.
    public var batchMax: Int = 1 << 16
    /// Limits an account gets when it is first used, by kind (override with `setFlags`).
    public var defaultFlags: [AccountKind: AccountFlags] = [:]

    public init(shardCount: Int = 8) {
        self.shardCount = shardCount
    }

    /// The stripes a hot account has with this configuration.
    public var stripeCount: Int { max(1, min(stripesMax, shardCount)) }

    func validate() throws(LedgerError) {
        func check(_ condition: Bool, _ reason: String) throws(LedgerError) {
            if !condition { throw .invalidConfiguration(reason) }
        }
        try check((1...4_096).contains(shardCount), "shardCount \(shardCount) not in 1...4096")
        try check(stripesMax >= 1, "stripesMax must be at least 1")
        try check(
            (16...(1 << 26)).contains(deduplicationWindowPerShard),
            "deduplicationWindowPerShard not in 16...2^26")
        try check((1...(1 << 24)).contains(entryHistoryPerShard), "entryHistoryPerShard not in 1...2^24")
        try check(
            (1...(1 << 24)).contains(transferNetHistoryPerShard), "transferNetHistoryPerShard not in 1...2^24"
        )
        try check(
            accountsPerShardMax >= 1 && accountsPerShardMax < Int(Int32.max),
            "accountsPerShardMax out of range")
        try check(pendingPerShardMax >= 1, "pendingPerShardMax must be at least 1")
        try check((1...Int(UInt16.max)).contains(legsPerTransferMax), "legsPerTransferMax not in 1...65535")
        try check(batchMax >= 1, "batchMax must be at least 1")
        for (kind, flags) in defaultFlags where kind.isStriped && !flags.isEmpty {
            throw .invalidConfiguration("\(kind) is striped and cannot carry a balance limit")
        }
    }
}
