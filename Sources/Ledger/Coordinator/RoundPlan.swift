/// How one round of a submission is split over the shards: per shard, the transfers it books
/// alone (`singles(_:)`) and its part of the transfers that span shards (`cross(_:)`).
///
/// Built once per round on the submitting task, so `add` is on the ledger's hot path: it
/// allocates nothing per transfer (the per-leg scratch is on the stack, and a shard's batch of
/// single-shard transfers gets its capacity once, with its first transfer). A payment's rounds
/// mostly involve one shard: that shard's batches are kept inline, and the per-shard arrays
/// (three allocations a round) are made only once a second shard is involved.
struct RoundPlan: Sendable {
    /// The only shard involved so far, -1 before the first; unused once `spreadSingles` is made.
    private var soleShardIndex = -1
    private var soleSingles = ShardBatch()
    private var soleCross = ShardBatch()
    /// Every shard's batches by index, once more than one shard is involved (empty until then).
    private var spreadSingles: [ShardBatch] = []
    private var spreadCross: [ShardBatch] = []
    private var isInvolved: [Bool] = []
    private let shardCount: Int
    private(set) var isEmpty = true
    /// Whether any transfer of the round spans shards (then the round takes two steps).
    private(set) var hasCrossShardTransfers = false
    /// Transfers expected per shard, to size a shard's batch when it is first involved.
    private let expectedPerShard: Int

    init(shardCount: Int, transfers: Int) {
        self.shardCount = shardCount
        expectedPerShard = transfers / shardCount + 1
    }

    /// The one shard the round involves, when it involves exactly one (then it has no
    /// cross-shard transfers).
    var soleShard: Int? { spreadSingles.isEmpty && soleShardIndex >= 0 ? soleShardIndex : nil }

    /// Shards with anything to do, ascending.
    var involved: [Int] {
        if spreadSingles.isEmpty { return soleShardIndex >= 0 ? [soleShardIndex] : [] }
        return isInvolved.indices.filter { isInvolved[$0] }
    }

    /// The transfers `shard` books alone.
    func singles(_ shard: Int) -> ShardBatch {
        if !spreadSingles.isEmpty { return spreadSingles[shard] }
        return shard == soleShardIndex ? soleSingles : ShardBatch()
    }

    /// `shard`'s part of the transfers that span shards.
    func cross(_ shard: Int) -> ShardBatch {
        if !spreadCross.isEmpty { return spreadCross[shard] }
        return shard == soleShardIndex ? soleCross : ShardBatch()
    }

    mutating func add(_ transfer: Transfer, origin: Int, placement: LedgerPlacement) {
        let phase: ShardBatch.PhaseCode
        let key: UInt64
        switch transfer.phase {
        case .single: (phase, key) = (.single, transfer.id.rawValue)
        case .pending: (phase, key) = (.pending, transfer.id.rawValue)
        case .post(let pending): (phase, key) = (.post, pending.rawValue)
        case .void(let pending): (phase, key) = (.void, pending.rawValue)
        }
        let legs = transfer.legs
        let anchor = placement.anchor(of: legs, key: key)
        // The resolved account and shard of each leg, on the stack: a payment's submissions are
        // rounds of one to three transfers, where scratch arrays kept in the plan were two
        // allocations of their own for every round.
        withUnsafeTemporaryAllocation(of: AccountID.self, capacity: legs.count) { legAccounts in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: legs.count) { legShards in
                var isSingleShard = true
                for legIndex in legs.indices {
                    let (account, shard) = placement.place(
                        legs[legIndex].account, key: key, legIndex: legIndex, anchor: anchor)
                    if legIndex > 0 && shard != legShards[0] { isSingleShard = false }
                    legAccounts.initializeElement(at: legIndex, to: account)
                    legShards.initializeElement(at: legIndex, to: shard)
                }
                defer {
                    legAccounts.deinitialize()
                    legShards.deinitialize()
                }
                add(
                    transfer, legs, origin: origin, phase: phase, isSingleShard: isSingleShard,
                    accounts: UnsafeBufferPointer(legAccounts), shards: UnsafeBufferPointer(legShards))
            }
        }
    }

    private mutating func add(
        _ transfer: Transfer, _ legs: [Transfer.Leg], origin: Int, phase: ShardBatch.PhaseCode,
        isSingleShard: Bool, accounts legAccounts: UnsafeBufferPointer<AccountID>,
        shards legShards: UnsafeBufferPointer<Int>
    ) {
        func routed(_ legIndex: Int) -> ShardBatch.Leg {
            ShardBatch.Leg(
                account: legAccounts[legIndex], amount: legs[legIndex].amount, legIndex: UInt16(legIndex),
                side: legs[legIndex].side)
        }
        var header = ShardBatch.Header(
            id: transfer.id.rawValue, pendingID: transfer.pendingID?.rawValue ?? 0,
            origin: Int32(origin), legStart: 0, legCount: 0,
            legCountTotal: UInt16(legs.count), phase: phase,
            currencyIndex: UInt8(transfer.currency.index), code: transfer.code)
        if isSingleShard {
            let shard = legShards[0]
            involve(shard)
            let expected = expectedPerShard
            modify(single: true, shard) { batch in
                if batch.headers.isEmpty {
                    // Most transfers of a round are single-shard with two or three legs: size
                    // the batch once instead of growing it by doubling.
                    batch.headers.reserveCapacity(expected)
                    batch.legs.reserveCapacity(expected * 3)
                }
                header.legStart = Int32(batch.legs.count)
                header.legCount = UInt16(legs.count)
                for legIndex in legs.indices {
                    batch.legs.append(routed(legIndex))
                }
                batch.headers.append(header)
            }
            return
        }
        // One header per shard, in the order of each shard's first leg.
        hasCrossShardTransfers = true
        for legIndex in legs.indices {
            let shard = legShards[legIndex]
            if legShards[..<legIndex].contains(shard) { continue }
            involve(shard)
            modify(single: false, shard) { batch in
                header.legStart = Int32(batch.legs.count)
                header.legCount = 0
                for other in legIndex..<legs.count where legShards[other] == shard {
                    batch.legs.append(routed(other))
                    header.legCount += 1
                }
                batch.headers.append(header)
            }
        }
    }

    /// Changes `shard`'s batch of single-shard (`single`) or cross-shard transfers in place;
    /// `shard` is involved already.
    private mutating func modify(single: Bool, _ shard: Int, _ body: (inout ShardBatch) -> Void) {
        switch (single, spreadSingles.isEmpty) {
        case (true, true): body(&soleSingles)
        case (false, true): body(&soleCross)
        case (true, false): body(&spreadSingles[shard])
        case (false, false): body(&spreadCross[shard])
        }
    }

    private mutating func involve(_ shard: Int) {
        if isEmpty {
            soleShardIndex = shard
            isEmpty = false
            return
        }
        if spreadSingles.isEmpty {
            if shard == soleShardIndex { return }
            // A second shard: every shard's batches by index from now on.
            spreadSingles = Array(repeating: ShardBatch(), count: shardCount)
            spreadCross = Array(repeating: ShardBatch(), count: shardCount)
            isInvolved = Array(repeating: false, count: shardCount)
            spreadSingles[soleShardIndex] = soleSingles
            spreadCross[soleShardIndex] = soleCross
            isInvolved[soleShardIndex] = true
            soleSingles = ShardBatch()
            soleCross = ShardBatch()
        }
        isInvolved[shard] = true
    }
}
