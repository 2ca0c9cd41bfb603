import Core
import Journal

/// A ledger rebuilt from journaled transfers without actors: the shards' state machines held in
/// one value and driven synchronously, with `ShardedLedger.submit`'s rules (the same placement,
/// the same rounds, the same prepare, commit and release) and `LedgerReplayer`'s deferral.
///
/// Why a second driver: recovery and the checkpointer fold the same journal, and a snapshot must
/// be the exact fold of a journal prefix. A fold with no suspension points can run inline where
/// a record is appended (no job for the deterministic scheduler, so taking snapshots does not
/// change a simulated run), can be encoded at any record boundary (nothing in flight between
/// shards), and decides exactly what the actor ledger would: `submit`'s outcome does not depend
/// on the hops. `install(into:)` hands the result to a live `ShardedLedger`.
///
/// Memory: the shards (bounded by the configuration) plus one chunk and the deferred transfers
/// (at most `LedgerReplayer.deferredMax`).
public struct LedgerFold: Sendable {
    public let configuration: LedgerConfiguration
    let placement: LedgerPlacement
    var shards: [LedgerShardState]
    public internal(set) var report = LedgerReplayReport()
    /// Transfers read and not yet submitted, and those refused at their place (retried later).
    var chunk: [Transfer] = []
    var deferred: [Transfer] = []
    public let chunkSize: Int

    /// A fold of an empty ledger.
    /// - Throws: `LedgerError.invalidConfiguration`.
    public init(configuration: LedgerConfiguration, chunkSize: Int = 1_024) throws(LedgerError) {
        try configuration.validate()
        self.configuration = configuration
        placement = LedgerPlacement(configuration: configuration)
        shards = (0..<configuration.shardCount).map {
            LedgerShardState(index: $0, configuration: configuration)
        }
        self.chunkSize = max(1, min(chunkSize, configuration.batchMax))
    }

    /// Queues one journaled transfer; submits when a chunk is full (as `LedgerReplayer.add`).
    public mutating func add(_ transfer: Transfer) {
        report.transfersRead += 1
        chunk.append(transfer)
        if chunk.count >= chunkSize { flush() }
    }

    /// Submits the queued chunk, then retries the deferred transfers once.
    public mutating func flush() {
        if !chunk.isEmpty {
            let transfers = chunk
            chunk.removeAll(keepingCapacity: true)
            for (transfer, outcome) in zip(transfers, submit(transfers)) {
                switch outcome {
                case .applied: report.applied += 1
                case .alreadyApplied: report.alreadyApplied += 1
                case .rejected(let error): postpone(transfer, error)
                }
            }
        }
        _ = retryDeferred()
    }

    /// Submits what is queued and retries the deferred transfers until a pass applies none;
    /// what is still refused is reported as rejected.
    public mutating func finish() -> LedgerReplayReport {
        flush()
        while retryDeferred() > 0 {}
        for transfer in deferred { reject(transfer, reason: "still refused after every other transfer") }
        deferred.removeAll()
        return report
    }

    /// Gives a fresh `ShardedLedger` (configured like this fold, never submitted to) this fold's
    /// state; call after `finish()`. Nothing is journaled: the transfers already are.
    /// - Throws: `LedgerError.invalidConfiguration` when the ledger's shard count differs or it
    ///   is not fresh.
    public func install(into ledger: ShardedLedger) async throws(LedgerError) {
        guard ledger.shards.count == shards.count else {
            throw .invalidConfiguration(
                "cannot install a fold of \(shards.count) shards into a ledger of \(ledger.shards.count)")
        }
        precondition(chunk.isEmpty, "install of a fold with transfers not yet submitted")
        for (shard, state) in zip(ledger.shards, shards) {
            guard await shard.install(state) else {
                throw .invalidConfiguration("ledger shard \(shard.index) already holds accounts or transfers")
            }
        }
    }

    /// What the folded ledger would answer to `balancesDigest()`.
    public var balancesDigest: UInt64 {
        var byAccount: [AccountID: AccountSnapshot] = [:]
        for shard in shards {
            for part in shard.snapshots {
                let logical = part.account.logical
                byAccount[logical, default: AccountSnapshot(account: logical)].add(part)
                if part.account == logical { byAccount[logical]!.flags = part.flags }
            }
        }
        return LedgerWorkload.digest(byAccount.values.sorted { $0.account < $1.account })
    }

    // MARK: Deferral (as LedgerReplayer)

    private mutating func retryDeferred() -> Int {
        if deferred.isEmpty { return 0 }
        var progress = 0
        var start = 0
        var stillRefused: [Transfer] = []
        while start < deferred.count {
            let end = min(start + chunkSize, deferred.count)
            let transfers = Array(deferred[start..<end])
            for (transfer, outcome) in zip(transfers, submit(transfers)) {
                if report.noteRetried(outcome) {
                    stillRefused.append(transfer)
                } else if case .applied = outcome {
                    progress += 1
                }
            }
            start = end
        }
        deferred = stillRefused
        return progress
    }

    private mutating func postpone(_ transfer: Transfer, _ error: TransferError) {
        guard deferred.count < LedgerReplayer.deferredMax else {
            reject(transfer, reason: error.reason)
            return
        }
        deferred.append(transfer)
    }

    private mutating func reject(_ transfer: Transfer, reason: String) {
        report.noteRejected(transfer, reason: reason)
    }

    // MARK: Submitting (ShardedLedger.submit without the hops)

    mutating func submit(_ transfers: [Transfer]) -> [TransferOutcome] {
        var outcomes = [TransferOutcome](repeating: .applied, count: transfers.count)
        var roundStart = 0
        var idsInRound = RoundIDSet(capacity: transfers.count)
        for index in transfers.indices {
            let id = transfers[index].id.rawValue
            let dependsOnRound =
                idsInRound.contains(id)
                || transfers[index].pendingID.map { idsInRound.contains($0.rawValue) } == true
            if dependsOnRound {
                runRound(transfers, roundStart..<index, &outcomes)
                roundStart = index
                idsInRound.startRound()
            }
            idsInRound.insert(id)
        }
        runRound(transfers, roundStart..<transfers.count, &outcomes)
        return outcomes
    }

    private mutating func runRound(
        _ transfers: [Transfer], _ range: Range<Int>, _ outcomes: inout [TransferOutcome]
    ) {
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
        var votes: [(Int, [TransferOutcome])] = []
        for shardIndex in plan.involved {
            if !plan.singles[shardIndex].isEmpty {
                let applied = shards[shardIndex].apply(plan.singles[shardIndex])
                for (header, outcome) in zip(plan.singles[shardIndex].headers, applied) {
                    outcomes[Int(header.origin)] = outcome
                }
            }
            if !plan.cross[shardIndex].isEmpty {
                votes.append((shardIndex, shards[shardIndex].prepare(plan.cross[shardIndex])))
            }
        }
        if votes.isEmpty { return }
        var crossOutcome = [TransferOutcome?](repeating: nil, count: range.count)
        for (shardIndex, shardVotes) in votes {
            for (header, vote) in zip(plan.cross[shardIndex].headers, shardVotes) {
                let position = Int(header.origin) - range.lowerBound
                crossOutcome[position] = Self.combine(crossOutcome[position] ?? .applied, vote)
            }
        }
        for (shardIndex, shardVotes) in votes {
            let decisions = zip(plan.cross[shardIndex].headers, shardVotes).map { header, vote in
                guard vote == .applied else { return ShardDecision.skip }
                return crossOutcome[Int(header.origin) - range.lowerBound] == .applied ? .commit : .release
            }
            shards[shardIndex].finish(plan.cross[shardIndex], decisions)
        }
        for (position, outcome) in crossOutcome.enumerated() {
            if let outcome { outcomes[range.lowerBound + position] = outcome }
        }
    }

    private static func combine(_ current: TransferOutcome, _ vote: TransferOutcome) -> TransferOutcome {
        switch (current, vote) {
        case (.alreadyApplied, _), (_, .alreadyApplied): .alreadyApplied
        case (.rejected, _): current
        case (.applied, _): vote
        }
    }
}
