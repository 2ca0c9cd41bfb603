/// How one round of a submission is split over the shards: per shard, the transfers it books
/// alone (`singles`) and its part of the transfers that span shards (`cross`).
///
/// Built once per round on the submitting task, so `add` is on the ledger's hot path: it
/// allocates nothing per transfer (the per-leg scratch is on the stack, and a shard's batch of
/// single-shard transfers gets its capacity once, with its first transfer).
struct RoundPlan: Sendable {
    var singles: [ShardBatch]
    var cross: [ShardBatch]
    private var isInvolved: [Bool]
    private(set) var isEmpty = true
    /// Transfers expected per shard, to size a shard's batch when it is first involved.
    private let expectedPerShard: Int

    init(shardCount: Int, transfers: Int) {
        singles = Array(repeating: ShardBatch(), count: shardCount)
        cross = Array(repeating: ShardBatch(), count: shardCount)
        isInvolved = Array(repeating: false, count: shardCount)
        expectedPerShard = transfers / shardCount + 1
    }

    /// Shards with anything to do, ascending.
    var involved: [Int] { isInvolved.indices.filter { isInvolved[$0] } }

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
            if singles[shard].headers.isEmpty {
                // Most transfers of a round are single-shard with two or three legs: size the
                // batch once instead of growing it by doubling.
                singles[shard].headers.reserveCapacity(expectedPerShard)
                singles[shard].legs.reserveCapacity(expectedPerShard * 3)
            }
            header.legStart = Int32(singles[shard].legs.count)
            header.legCount = UInt16(legs.count)
            for legIndex in legs.indices {
                singles[shard].legs.append(routed(legIndex))
            }
            singles[shard].headers.append(header)
            return
        }
        // One header per shard, in the order of each shard's first leg.
        for legIndex in legs.indices {
            let shard = legShards[legIndex]
            if legShards[..<legIndex].contains(shard) { continue }
            involve(shard)
            header.legStart = Int32(cross[shard].legs.count)
            header.legCount = 0
            for other in legIndex..<legs.count where legShards[other] == shard {
                cross[shard].legs.append(routed(other))
                header.legCount += 1
            }
            cross[shard].headers.append(header)
        }
    }

    private mutating func involve(_ shard: Int) {
        if isInvolved[shard] { return }
        isInvolved[shard] = true
        isEmpty = false
    }
}
