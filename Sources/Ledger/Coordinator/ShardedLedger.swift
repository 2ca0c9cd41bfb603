import Core

/// A double-entry ledger spread over `LedgerShard`s by account id.
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
    /// The shards, by index.
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
    /// Transfers of one call are booked together, one actor hop per shard per step
    /// (`RoundCoordinator` decides the rounds and steps; this only carries them out); a
    /// transfer that depends on an earlier one of the same call starts a new round after the
    /// earlier one is booked, so a call means the same as submitting its transfers one by one.
    ///
    /// - Throws: `LedgerError.batchTooLarge`, or `journalFailed` when the journal refused the
    ///   applied transfers (they were not acknowledged; recover from the journal).
    public func submit(_ transfers: [Transfer]) async throws(LedgerError) -> [TransferOutcome] {
        guard transfers.count <= configuration.batchMax else {
            throw .batchTooLarge(count: transfers.count, max: configuration.batchMax)
        }
        var coordinator = RoundCoordinator(
            transfers, placement: placement, legsPerTransferMax: configuration.legsPerTransferMax)
        var action = coordinator.start()
        while true {
            switch action {
            case .applyAndPrepare(let plan):
                if let sole = plan.soleShard {
                    // A payment's usual round: one shard, asked in line, its outcomes written in
                    // the submission's (no array of shards, of answers, nor a closure's context
                    // for them).
                    let shard = shards[sole]
                    let singles = plan.singles(sole)
                    action = coordinator.appliedInPlace { outcomes in shard.apply(singles, into: &outcomes) }
                    continue
                }
                let involved = plan.involved
                if !plan.hasCrossShardTransfers && involved.count <= Self.sequentialShardsMax {
                    // A capture's round: each transfer on one shard, but not all on the same
                    // (the hold's post and the movement), asked in line one after another as
                    // `forEachInvolvedShard` does, without its closure's context and arrays.
                    action = coordinator.appliedInPlace { outcomes in
                        for index in involved { shards[index].apply(plan.singles(index), into: &outcomes) }
                    }
                    continue
                }
                let answers = await forEachInvolvedShard(involved) { shard in
                    shard.applyAndPrepare(plan.singles(shard.index), plan.cross(shard.index))
                }
                action = coordinator.prepared(answers)
            case .finish(let plan, let deciding, let decisions):
                _ = await forEachInvolvedShard(deciding) { shard in
                    shard.finish(plan.cross(shard.index), decisions[shard.index])
                }
                action = coordinator.finished()
            case .done(let outcomes):
                try await record(transfers, outcomes)
                return outcomes
            }
        }
    }

    /// Journals the transfers of a submission that were applied, before they are acknowledged.
    private func record(_ transfers: [Transfer], _ outcomes: [TransferOutcome]) async throws(LedgerError) {
        guard journals else { return }
        let applied = zip(transfers, outcomes).compactMap { $1 == .applied ? $0 : nil }
        if applied.isEmpty { return }
        do {
            try await journal.record(applied)
        } catch {
            throw .journalFailed(String(describing: error))
        }
    }

    /// Runs `body` on each listed shard, concurrently when there is more than one, and returns
    /// the results by shard index. Child tasks inherit the caller's executor, so a deterministic
    /// run stays deterministic.
    private func forEachInvolvedShard<Result: Sendable>(
        _ indices: [Int], _ body: @escaping @Sendable (LedgerShard) -> Result
    ) async -> [(Int, Result)] {
        // A few shards in a row cost less than a task group (a child task per shard): the
        // ledger's parallelism comes from its many concurrent submitters, not from fanning out
        // one small transfer. Large batches that touch many shards still fan out.
        if indices.count <= Self.sequentialShardsMax {
            var results: [(Int, Result)] = []
            results.reserveCapacity(indices.count)
            for index in indices { results.append((index, body(shards[index]))) }
            return results
        }
        return await withTaskGroup(of: (Int, Result).self) { group in
            for index in indices {
                let shard = shards[index]
                group.addTask { (index, body(shard)) }
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
        guard shards[placement.shard(of: account)].setFlags(flags, for: account) else {
            throw .tooManyAccounts
        }
    }

    /// The totals of a logical account, summed over its stripes.
    public func balance(of account: AccountID) async -> AccountSnapshot {
        var total = AccountSnapshot(account: account.logical)
        for (stripe, shard) in placement.stripes(of: account) {
            let part = shards[shard].snapshot(of: stripe)
            if stripe == account.logical { total.flags = part.flags }
            total.add(part)
        }
        return total
    }

    /// The totals of several logical accounts, each summed over its stripes, in the order
    /// asked: one read of each shard they live on instead of one per account (a merchant's
    /// balance reads two accounts per currency).
    public func balances(of accounts: [AccountID]) async -> [AccountSnapshot] {
        var totals = accounts.map { AccountSnapshot(account: $0.logical) }
        let asked = stripesByShard(of: accounts)
        for (shard, wanted) in asked.enumerated() where !wanted.isEmpty {
            Self.add(shards[shard].snapshots(of: wanted.map(\.stripe)), wanted, to: &totals)
        }
        return totals
    }

    /// The same totals, without suspending, for a reader on an event loop: what each shard has
    /// booked so far, as `balances(of:)` reads it, shard after shard.
    public func balancesNow(of accounts: [AccountID]) -> [AccountSnapshot] {
        var totals = accounts.map { AccountSnapshot(account: $0.logical) }
        let asked = stripesByShard(of: accounts)
        for (shard, wanted) in asked.enumerated() where !wanted.isEmpty {
            Self.add(shards[shard].snapshotsNow(of: wanted.map(\.stripe)), wanted, to: &totals)
        }
        return totals
    }

    /// The stripes of `accounts` grouped by the shard they live on, each with its account's
    /// index in `accounts`.
    private func stripesByShard(of accounts: [AccountID]) -> [[(index: Int, stripe: AccountID)]] {
        var asked = [[(index: Int, stripe: AccountID)]](repeating: [], count: shards.count)
        for (index, account) in accounts.enumerated() {
            for (stripe, shard) in placement.stripes(of: account) { asked[shard].append((index, stripe)) }
        }
        return asked
    }

    private static func add(
        _ parts: [AccountSnapshot], _ wanted: [(index: Int, stripe: AccountID)],
        to totals: inout [AccountSnapshot]
    ) {
        for (entry, part) in zip(wanted, parts) {
            if entry.stripe == totals[entry.index].account { totals[entry.index].flags = part.flags }
            totals[entry.index].add(part)
        }
    }

    /// Every account the ledger holds, stripes folded into their logical account, sorted.
    public func allBalances() async -> [AccountSnapshot] {
        var byAccount: [AccountID: AccountSnapshot] = [:]
        for shard in shards {
            for part in shard.snapshots() {
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
        for shard in shards { digest = LedgerMix.fold(digest, shard.traceDigest()) }
        return digest
    }

    /// Checks that the ledger balances, per currency and per transfer.
    public func reconcile() async -> LedgerReconciliation {
        var parts: [ShardReconciliation] = []
        parts.reserveCapacity(shards.count)
        for shard in shards { parts.append(shard.reconciliationPart()) }
        return LedgerReconciliation(parts: parts)
    }
}
