/// Where an account (or one stripe of a hot account) lives: which shard, and which stripe a
/// transfer's leg uses.
///
/// Placement must be a pure function of the ids, never of Swift's per-process `Hasher` or of
/// timing: a redelivered transfer has to reach the very shards (and stripes) that remember it,
/// or exactly-once would silently become at-least-once.
struct LedgerPlacement: Sendable {
    let shardCount: Int
    let stripeCount: Int

    init(configuration: LedgerConfiguration) {
        shardCount = configuration.shardCount
        stripeCount = configuration.stripeCount
    }

    /// The shard of `account` and the stripe a leg of a transfer uses, in one step (one
    /// `placementHash`).
    @inline(__always)
    func place(_ account: AccountID, key: UInt64, legIndex: Int) -> (AccountID, Int) {
        if shardCount == 1 { return (account, 0) }
        let resolved = resolve(account, key: key, legIndex: legIndex)
        return (resolved, shard(of: resolved))
    }

    /// The stripe a leg of a transfer uses. `key` is the transfer's id, or its pending
    /// transfer's id for a post or void (which must land on the stripes that hold the holds).
    @inline(__always)
    func resolve(_ account: AccountID, key: UInt64, legIndex: Int) -> AccountID {
        guard account.isStriped, stripeCount > 1 else { return account }
        let stripe = Int(LedgerMix.mix(key &+ UInt64(legIndex)) % UInt64(stripeCount))
        return account.withStripe(stripe)
    }

    /// The shard of a resolved account. The stripes of one hot account sit on consecutive
    /// shards, so that (with `stripeCount <= shardCount`) no two share a shard.
    @inline(__always)
    func shard(of account: AccountID) -> Int {
        let base = Int(account.placementHash % UInt64(shardCount))
        return (base + account.stripe) % shardCount
    }

    /// Every stripe of a logical account, with its shard.
    func stripes(of account: AccountID) -> [(account: AccountID, shard: Int)] {
        let logical = account.logical
        guard logical.isStriped, stripeCount > 1 else { return [(logical, shard(of: logical))] }
        return (0..<stripeCount).map { stripe in
            let striped = logical.withStripe(stripe)
            return (striped, shard(of: striped))
        }
    }
}
