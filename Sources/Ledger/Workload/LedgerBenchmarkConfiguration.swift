/// The shape of `paystorm ledger`'s benchmark: TigerBeetle's `tigerbeetle benchmark` by default
/// (10,000,000 transfers in batches of 8,189 between 10,000 accounts chosen uniformly, one
/// client submitting batch after batch, then 100 account-history queries).
public struct LedgerBenchmarkConfiguration: Sendable, Hashable, Codable {
    public var seed: UInt64 = 42
    public var accounts = 10_000
    public var transfers = 10_000_000
    /// Transfers per `submit`.
    public var batchSize = 8_189
    /// Account-history lookups after the load.
    public var queries = 100
    /// Transfers one lookup returns at most (TigerBeetle's batch limit).
    public var queryLimit = 8_189
    /// Amounts are drawn uniformly from 1 through this, in minor units.
    public var amountMax: Int64 = 10_000

    public init() {}

    func validate() throws(LedgerError) {
        func check(_ condition: Bool, _ reason: String) throws(LedgerError) {
            if !condition { throw .invalidConfiguration(reason) }
        }
        try check(
            (2...BatchLedgerConfiguration.accountCountMax).contains(accounts),
            "accounts not in 2...\(BatchLedgerConfiguration.accountCountMax)")
        try check(
            (1...BatchLedgerConfiguration.transferCapacityMax).contains(transfers),
            "transfers not in 1...\(BatchLedgerConfiguration.transferCapacityMax)")
        try check(
            (1...BatchLedgerConfiguration.batchMaxLimit).contains(batchSize),
            "batch size not in 1...\(BatchLedgerConfiguration.batchMaxLimit)")
        try check((0...1_000_000).contains(queries), "queries not in 0...1000000")
        try check((1...1_000_000).contains(queryLimit), "query limit not in 1...1000000")
        try check(amountMax >= 1 && amountMax <= Int64(UInt32.max), "amount max not in 1...\(UInt32.max)")
    }
}
