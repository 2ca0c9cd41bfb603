/// Where an account (or one stripe of a hot account) lives: which shard, and which stripe a
/// transfer's leg uses.
///
/// Placement must be a pure function of the ids, never of Swift's per-process `Hasher` or of
/// timing: a redelivered transfer has to reach the very shards (and stripes) that remember it,
/// or exactly-once would silently become at-least-once.
///
/// **Stripe rule.** A transfer has an *anchor* shard: the shard of its first non-striped
/// (merchant) leg, or, when every leg is striped, the shard of its first leg's hashed stripe
/// (below). Each striped leg uses the stripe of its account that lives on the anchor, when the
/// account has one there (always, while `stripeCount == shardCount`); otherwise the stripe
/// `mix(key + legIndex) % stripeCount`. So a charge (customer funds to a merchant) or a
/// capture with a fee is booked by one shard in one hop, instead of being prepared and
/// committed on three. The load on a hot account still spreads over all its stripes, in
/// proportion to the merchants (or keys) whose anchor each stripe's shard is.
///
/// The rule reads only the legs' accounts and `key` (a transfer's id, or its pending
/// transfer's id for a post or void), and a post or void carries its pending transfer's
/// accounts in the same order: so it resolves to the very stripes that hold the holds.
struct LedgerPlacement: Sendable {
    let shardCount: Int
    let stripeCount: Int

    init(configuration: LedgerConfiguration) {
        shardCount = configuration.shardCount
        stripeCount = configuration.stripeCount
    }

    /// The shard a transfer's striped legs gather on (see the stripe rule).
    @inline(__always)
    func anchor(of legs: [Transfer.Leg], key: UInt64) -> Int {
        if shardCount == 1 { return 0 }
        for leg in legs where !leg.account.isStriped { return shard(of: leg.account) }
        guard let first = legs.first else { return 0 }
        return shard(of: hashedStripe(of: first.account, key: key, legIndex: 0))
    }

    /// The stripe a leg uses and its shard, for a transfer whose anchor is `anchor`.
    @inline(__always)
    func place(_ account: AccountID, key: UInt64, legIndex: Int, anchor: Int) -> (AccountID, Int) {
        if shardCount == 1 { return (account, 0) }
        let base = baseShard(of: account)
        guard account.isStriped, stripeCount > 1 else { return (account, base) }
        // The stripe number that lives on the anchor: shard(of:) puts stripe s on base + s.
        let onAnchor = anchor >= base ? anchor - base : anchor - base + shardCount
        let stripe =
            onAnchor < stripeCount
            ? onAnchor : Int(LedgerMix.mix(key &+ UInt64(legIndex)) % UInt64(stripeCount))
        return (account.withStripe(stripe), (base + stripe) % shardCount)
    }

    /// The stripe chosen from the key alone: the rule for a leg whose account has no stripe on
    /// the anchor, and for the first leg of an all-striped transfer, which sets the anchor.
    private func hashedStripe(of account: AccountID, key: UInt64, legIndex: Int) -> AccountID {
        guard account.isStriped, stripeCount > 1 else { return account }
        let stripe = Int(LedgerMix.mix(key &+ UInt64(legIndex)) % UInt64(stripeCount))
        return account.withStripe(stripe)
    }

    /// The shard of a resolved account. The stripes of one hot account sit on consecutive
    /// shards, so that (with `stripeCount <= shardCount`) no two share a shard.
    @inline(__always)
    func shard(of account: AccountID) -> Int {
        (baseShard(of: account) + account.stripe) % shardCount
    }

    /// The shard of the logical account (stripe 0).
    @inline(__always)
    private func baseShard(of account: AccountID) -> Int {
        Int(account.placementHash % UInt64(shardCount))
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
