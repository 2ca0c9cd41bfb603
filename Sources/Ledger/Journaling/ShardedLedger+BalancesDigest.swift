extension ShardedLedger {
    /// An order-sensitive digest of every account's totals, accounts sorted by id (stripes
    /// folded): two ledgers with equal digests hold the same balances and holds. What replay
    /// tests compare, because the trace digest depends on the interleaving and replay's differs.
    public func balancesDigest() async -> UInt64 {
        LedgerWorkload.digest(await allBalances())
    }
}
