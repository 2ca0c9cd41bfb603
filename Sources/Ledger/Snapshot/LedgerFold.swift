import Core
import Journal

/// A ledger rebuilt from journaled transfers without actors: the shards' state machines held in
/// one value and driven synchronously, with `ShardedLedger.submit`'s rules (the same placement,
/// the same rounds, the same prepare, commit and release: one `RoundCoordinator`) and
/// `LedgerReplayer`'s deferral (one `ReplayStateMachine`).
///
/// Why a second driver: recovery and the checkpointer fold the same journal, and a snapshot must
/// be the exact fold of a journal prefix. A fold with no suspension points can run inline where
/// a record is appended (no job for the deterministic scheduler, so taking snapshots does not
/// change a simulated run), can be encoded at any record boundary (nothing in flight between
/// shards), and decides exactly what the actor ledger would: `submit`'s outcome does not depend
/// on the hops. `install(into:)` hands the result to a live `ShardedLedger`.
///
/// Memory: the shards (bounded by the configuration) plus one chunk and the deferred transfers
/// (at most `ReplayStateMachine.deferredMax`).
public struct LedgerFold: Sendable {
    public let configuration: LedgerConfiguration
    let placement: LedgerPlacement
    var shards: [LedgerShardState]
    /// The chunk, the deferred transfers and the report: the same rules `LedgerReplayer` runs.
    var replay: ReplayStateMachine

    /// A fold of an empty ledger.
    /// - Throws: `LedgerError.invalidConfiguration`.
    public init(configuration: LedgerConfiguration, chunkSize: Int = 1_024) throws(LedgerError) {
        try configuration.validate()
        self.configuration = configuration
        placement = LedgerPlacement(configuration: configuration)
        shards = (0..<configuration.shardCount).map {
            LedgerShardState(index: $0, configuration: configuration)
        }
        replay = ReplayStateMachine(chunkSize: min(chunkSize, configuration.batchMax))
    }

    /// What the fold did so far.
    public var report: LedgerReplayReport { replay.report }

    /// Transfers submitted together.
    public var chunkSize: Int { replay.chunkSize }

    /// Queues one journaled transfer; submits when a chunk is full (as `LedgerReplayer.add`).
    public mutating func add(_ transfer: Transfer) {
        if replay.add(transfer) { flush() }
    }

    /// Submits the queued chunk, then retries the deferred transfers once.
    public mutating func flush() {
        run(replay.flush())
    }

    /// Submits what is queued and retries the deferred transfers until a pass applies none;
    /// what is still refused is reported as rejected.
    public mutating func finish() -> LedgerReplayReport {
        run(replay.finish())
        return replay.report
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
        precondition(replay.chunk.isEmpty, "install of a fold with transfers not yet submitted")
        for (shard, state) in zip(ledger.shards, shards) {
            guard shard.install(state) else {
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

    // MARK: Driving the rules (no I/O, no hops)

    /// Carries out the replay's submissions until it has none left.
    private mutating func run(_ first: ReplayStateMachine.Action) {
        var action = first
        while case .submit(let transfers) = action {
            action = replay.submitted(submit(transfers))
        }
    }

    /// `ShardedLedger.submit` without the hops: the same coordinator, each step carried out on
    /// the shard states in shard order.
    mutating func submit(_ transfers: [Transfer]) -> [TransferOutcome] {
        var coordinator = RoundCoordinator(
            transfers, placement: placement, legsPerTransferMax: configuration.legsPerTransferMax)
        var action = coordinator.start()
        while true {
            switch action {
            case .applyAndPrepare(let plan):
                var answers: [(Int, ShardAnswer)] = []
                for shard in plan.involved {
                    answers.append(
                        (shard, shards[shard].applyAndPrepare(plan.singles(shard), plan.cross(shard))))
                }
                action = coordinator.prepared(answers)
            case .finish(let plan, let deciding, let decisions):
                for shard in deciding { shards[shard].finish(plan.cross(shard), decisions[shard]) }
                action = coordinator.finished()
            case .done(let outcomes):
                return outcomes
            }
        }
    }
}
