import Core

/// A double-entry ledger spread over `LedgerShard` actors by account id.
///
/// `submit` routes each transfer's legs to the shards of their accounts. A transfer whose legs
/// all live on one shard is booked by that shard in one step. A transfer that spans shards is
/// booked in two: every shard involved *prepares* it (checks it and reserves its amounts, which
/// every later check on that shard sees), then, once all have answered, each shard *commits*
/// or *releases* it. No shard ever books part of a transfer that another shard refused, and no
/// lock is held across the hop, so concurrent submitters never deadlock: they may only refuse
/// each other (`inFlight`, or a limit reached because of a reservation).
///
/// Hot system accounts (fees revenue, network receivables, ...) are touched by most
/// transfers; each is split into stripes on different shards, and a transfer uses the stripe on
/// the shard of its merchant account where there is one (`LedgerPlacement`), so that most
/// transfers stay on one shard. `balance(of:)` sums the stripes.
///
/// This is not an actor: it holds only immutable references, so many tasks can submit at once
/// and the shards are the only serialization points.
public final class ShardedLedger: Sendable {
    public let configuration: LedgerConfiguration
    /// The shard actors, by index.
    public let shards: [LedgerShard]
    let placement: LedgerPlacement
    private let journal: any LedgerJournal
    private let journals: Bool

    public init(
        configuration: LedgerConfiguration = LedgerConfiguration(),
        journal: any LedgerJournal = NoLedgerJournal()
    ) throws(LedgerError) {
        try configuration.validate()
        self.configuration = configuration
        placement = LedgerPlacement(configuration: configuration)
        shards = (0..<configuration.shardCount).map { LedgerShard(index: $0, configuration: configuration) }
        self.journal = journal
        journals = !(journal is NoLedgerJournal)
    }

    // MARK: Submitting

    /// Applies one transfer.
    public func submit(_ transfer: Transfer) async throws(LedgerError) -> TransferOutcome {
        try await submit([transfer])[0]
    }

    /// Applies `transfers`, in order, and returns one outcome per transfer.
    ///
    /// Transfers of one call are booked together, one actor hop per shard; a transfer that
    /// depends on an earlier one of the same call (a post or void of a pending transfer in the
    /// call, or a repeated id) starts a new round after the earlier one is booked, so a call
    /// means the same as submitting its transfers one by one.
    ///
    /// - Throws: `LedgerError.batchTooLarge`, or `journalFailed` when the journal refused the
    ///   applied transfers (they were not acknowledged; recover from the journal).
    public func submit(_ transfers: [Transfer]) async throws(LedgerError) -> [TransferOutcome] {
        guard transfers.count <= configuration.batchMax else {
            throw .batchTooLarge(count: transfers.count, max: configuration.batchMax)
        }
        var outcomes = [TransferOutcome](repeating: .applied, count: transfers.count)
        if transfers.count > 1 {
            var roundStart = 0
            var idsInRound = RoundIDSet(capacity: transfers.count)
            for index in transfers.indices {
                let id = transfers[index].id.rawValue
                let dependsOnRound =
                    idsInRound.contains(id)
                    || transfers[index].pendingID.map { idsInRound.contains($0.rawValue) } == true
                if dependsOnRound {
                    await runRound(transfers, roundStart..<index, &outcomes)
                    roundStart = index
                    idsInRound.startRound()
                }
                idsInRound.insert(id)
            }
            await runRound(transfers, roundStart..<transfers.count, &outcomes)
        } else {
            await runRound(transfers, transfers.indices, &outcomes)
        }
        if journals {
            let applied = zip(transfers, outcomes).compactMap { $1 == .applied ? $0 : nil }
            if !applied.isEmpty {
                do {
                    try await journal.record(applied)
                } catch {
                    throw .journalFailed(String(describing: error))
                }
            }
        }
        return outcomes
    }

    /// Books the independent transfers `range` of `transfers`.
    private func runRound(
        _ transfers: [Transfer], _ range: Range<Int>, _ outcomes: inout [TransferOutcome]
    ) async {
        if range.isEmpty { return }
        var plan = RoundPlan(shardCount: shards.count, transfers: range.count)
        for index in range {
            let transfer = transfers[index]
            if let error = transfer.validationError(legsMax: configuration.legsPerTransferMax) {
                outcomes[index] = .rejected(error)
                continue
            }
            plan.add(transfer, origin: index, placement: placement)
        }
        if plan.isEmpty { return }

        // Step 1: single-shard transfers are booked, cross-shard ones prepared.
        let answers = await forEachInvolvedShard(plan.involved) { [plan] shard in
            await shard.applyAndPrepare(plan.singles[shard.index], plan.cross[shard.index])
        }
        // Outcomes of the cross-shard transfers, by position in the round; nil until one shard
        // votes, so most rounds (all single-shard) never allocate it.
        var crossOutcome: [TransferOutcome?] = []
        for (shardIndex, answer) in answers {
            for (header, outcome) in zip(plan.singles[shardIndex].headers, answer.applied) {
                outcomes[Int(header.origin)] = outcome
            }
            if answer.votes.isEmpty { continue }
            if crossOutcome.isEmpty { crossOutcome = Array(repeating: nil, count: range.count) }
            for (header, vote) in zip(plan.cross[shardIndex].headers, answer.votes) {
                let position = Int(header.origin) - range.lowerBound
                crossOutcome[position] = Self.combine(crossOutcome[position] ?? .applied, vote)
            }
        }
        if crossOutcome.isEmpty { return }

        // Step 2: every shard that prepared a cross-shard transfer commits or releases it.
        var decisions = [[ShardDecision]](repeating: [], count: shards.count)
        var deciding: [Int] = []
        for (shardIndex, answer) in answers where !plan.cross[shardIndex].isEmpty {
            deciding.append(shardIndex)
            decisions[shardIndex] = zip(plan.cross[shardIndex].headers, answer.votes).map { header, vote in
                guard vote == .applied else { return .skip }
                return crossOutcome[Int(header.origin) - range.lowerBound] == .applied ? .commit : .release
            }
        }
        _ = await forEachInvolvedShard(deciding) { [plan, decisions] shard in
            await shard.finish(plan.cross[shard.index], decisions[shard.index])
        }
        for (position, outcome) in crossOutcome.enumerated() {
            if let outcome { outcomes[range.lowerBound + position] = outcome }
        }
    }

    /// One shard's vote folded into a cross-shard transfer's outcome: any shard that remembers
    /// the id means it was booked before (everywhere: commits are all-or-nothing); otherwise
    /// the first refusal wins.
    private static func combine(_ current: TransferOutcome, _ vote: TransferOutcome) -> TransferOutcome {
        switch (current, vote) {
        case (.alreadyApplied, _), (_, .alreadyApplied): .alreadyApplied
        case (.rejected, _): current
        case (.applied, _): vote
        }
    }

    /// Runs `body` on each listed shard, concurrently when there is more than one, and returns
    /// the results by shard index. Child tasks inherit the caller's executor, so a deterministic
    /// run stays deterministic.
    private func forEachInvolvedShard<Result: Sendable>(
        _ indices: [Int], _ body: @escaping @Sendable (LedgerShard) async -> Result
    ) async -> [(Int, Result)] {
        // A few hops in a row cost less than a task group (a child task per shard): the
        // ledger's parallelism comes from its many concurrent submitters, not from fanning out
        // one small transfer. Large batches that touch many shards still fan out.
        if indices.count <= Self.sequentialShardsMax {
            var results: [(Int, Result)] = []
            results.reserveCapacity(indices.count)
            for index in indices { results.append((index, await body(shards[index]))) }
            return results
        }
        return await withTaskGroup(of: (Int, Result).self) { group in
            for index in indices {
                let shard = shards[index]
                group.addTask { (index, await body(shard)) }
            }
            var results: [(Int, Result)] = []
            results.reserveCapacity(indices.count)
            for await result in group { results.append(result) }
            // Completion order depends on scheduling; callers iterate in shard order.
            results.sort { $0.0 < $1.0 }
            return results
        }
    }

    /// Up to this many shards are visited one after another rather than concurrently.
    static let sequentialShardsMax = 4

    // MARK: Accounts

    /// Sets the limits of a (non-striped) account, e.g. `.debitsMustNotExceedCredits` on a
    /// balance that must never go negative, counting pending holds.
    public func setFlags(_ flags: AccountFlags, for account: AccountID) async throws(LedgerError) {
        guard account.kind != nil, account.stripe == 0 else { throw .invalidAccount(account) }
        guard !account.isStriped else { throw .cannotLimitStripedAccount(account) }
        guard await shards[placement.shard(of: account)].setFlags(flags, for: account) else {
            throw .tooManyAccounts
        }
    }

    /// The totals of a logical account, summed over its stripes.
    public func balance(of account: AccountID) async -> AccountSnapshot {
        var total = AccountSnapshot(account: account.logical)
        for (stripe, shard) in placement.stripes(of: account) {
            let part = await shards[shard].snapshot(of: stripe)
            if stripe == account.logical { total.flags = part.flags }
            total.add(part)
        }
        return total
    }

    /// Every account the ledger holds, stripes folded into their logical account, sorted.
    public func allBalances() async -> [AccountSnapshot] {
        var byAccount: [AccountID: AccountSnapshot] = [:]
        for shard in shards {
            for part in await shard.snapshots() {
                let logical = part.account.logical
                byAccount[logical, default: AccountSnapshot(account: logical)].add(part)
                if part.account == logical { byAccount[logical]!.flags = part.flags }
            }
        }
        return byAccount.values.sorted { $0.account < $1.account }
    }

    /// The order in which every shard committed its transfers, folded in shard order: equal
    /// digests mean the same interleaving, so two runs of one seed must agree.
    public func traceDigest() async -> UInt64 {
        var digest = LedgerMix.digestSeed
        for shard in shards { digest = LedgerMix.fold(digest, await shard.traceDigest()) }
        return digest
    }

    /// Checks that the ledger balances, per currency and per transfer.
    public func reconcile() async -> LedgerReconciliation {
        var parts: [ShardReconciliation] = []
        parts.reserveCapacity(shards.count)
        for shard in shards { parts.append(await shard.reconciliationPart()) }
        return LedgerReconciliation(parts: parts)
    }
}
