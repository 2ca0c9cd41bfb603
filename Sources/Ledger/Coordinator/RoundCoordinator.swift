/// The rules of one submission to a sharded ledger, as a value that performs no I/O: the
/// transfers go in, it says which shards to ask what, the shards' answers come back in, and in
/// the end it hands out one outcome per transfer.
///
/// A submission runs in rounds. A transfer that depends on an earlier one of the same call (a
/// repeated id, or a post or void of a pending transfer in the call) starts a new round, so a
/// call means the same as submitting its transfers one by one. In each round every involved
/// shard books its single-shard transfers and prepares its part of the cross-shard ones in one
/// step (`applyAndPrepare`); when any shard prepared something, a second step tells each such
/// shard to commit or release it (`finish`). Two drivers carry the actions out: `ShardedLedger`
/// with a hop per shard actor and `LedgerFold` synchronously on shard states, so both book a
/// journal alike by construction.
struct RoundCoordinator {
    /// What the driver does next.
    enum Action {
        /// Every shard in `plan.involved`, in ascending order, books `plan.singles(shard)` and
        /// prepares `plan.cross(shard)`; then `prepared(_:)` with the answers in shard order.
        case applyAndPrepare(RoundPlan)
        /// Every shard in `shards` commits or releases its part `plan.cross(shard)` of the
        /// prepared transfers as `decisions[shard]` says; then `finished()`.
        case finish(RoundPlan, shards: [Int], decisions: [[ShardDecision]])
        /// The submission is booked: one outcome per transfer, in order.
        case done([TransferOutcome])
    }

    private let transfers: [Transfer]
    private let placement: LedgerPlacement
    private let legsPerTransferMax: Int
    private var outcomes: [TransferOutcome]
    /// The transfers of the round being booked, and the start of the next one.
    private var round = 0..<0
    /// Ids of the round being scanned; only built for calls of more than
    /// `scannedTransfersMax` transfers.
    private var idsInRound: RoundIDSet?
    private var plan: RoundPlan?
    /// Outcomes of the round's cross-shard transfers, by position in the round; nil until one
    /// shard votes.
    private var crossOutcomes: [TransferOutcome?] = []

    init(_ transfers: [Transfer], placement: LedgerPlacement, legsPerTransferMax: Int) {
        self.transfers = transfers
        self.placement = placement
        self.legsPerTransferMax = legsPerTransferMax
        outcomes = Array(repeating: .applied, count: transfers.count)
        if transfers.count > Self.scannedTransfersMax { idsInRound = RoundIDSet(capacity: transfers.count) }
    }

    /// Calls of up to this many transfers (a payment's bookings: one to three) find a round's
    /// end by comparing ids pairwise, without a table of their own to allocate.
    static let scannedTransfersMax = 8

    /// The first action of the submission.
    mutating func start() -> Action {
        nextRound()
    }

    /// Takes the answers to `.applyAndPrepare`, one per involved shard in ascending shard order
    /// (the order decides which refusal a cross-shard transfer reports).
    mutating func prepared<Answers: Collection<(Int, ShardAnswer)>>(_ answers: Answers) -> Action {
        guard let plan else { preconditionFailure("answers without a round being booked") }
        for (shard, answer) in answers {
            for (header, outcome) in zip(plan.singles(shard).headers, answer.applied) {
                outcomes[Int(header.origin)] = outcome
            }
            if answer.votes.isEmpty { continue }
            // Most rounds are all single-shard and never allocate this.
            if crossOutcomes.isEmpty { crossOutcomes = Array(repeating: nil, count: round.count) }
            for (header, vote) in zip(plan.cross(shard).headers, answer.votes) {
                let position = Int(header.origin) - round.lowerBound
                crossOutcomes[position] = Self.combine(crossOutcomes[position] ?? .applied, vote)
            }
        }
        if crossOutcomes.isEmpty { return nextRound() }
        var shards: [Int] = []
        var decisions = [[ShardDecision]](repeating: [], count: placement.shardCount)
        for (shard, answer) in answers where !plan.cross(shard).isEmpty {
            shards.append(shard)
            decisions[shard] = zip(plan.cross(shard).headers, answer.votes).map { header, vote in
                Self.decision(vote: vote, outcome: crossOutcomes[Int(header.origin) - round.lowerBound])
            }
        }
        return .finish(plan, shards: shards, decisions: decisions)
    }

    /// Takes a round without cross-shard transfers (a payment's every round): `apply` books
    /// each involved shard's transfers, in ascending shard order, and writes each one's outcome
    /// at its position in the submission, in place of the answers `prepared(_:)` takes.
    mutating func appliedInPlace(_ apply: (inout [TransferOutcome]) -> Void) -> Action {
        precondition(plan?.hasCrossShardTransfers == false, "a round with cross-shard transfers")
        apply(&outcomes)
        return nextRound()
    }

    /// Takes the end of `.finish`.
    mutating func finished() -> Action {
        for (position, outcome) in crossOutcomes.enumerated() {
            if let outcome { outcomes[round.lowerBound + position] = outcome }
        }
        crossOutcomes = []
        return nextRound()
    }

    // MARK: Decisions

    /// One shard's vote folded into a cross-shard transfer's outcome: any shard that remembers
    /// the id means it was booked before (everywhere: commits are all-or-nothing); otherwise
    /// the first refusal wins.
    static func combine(_ current: TransferOutcome, _ vote: TransferOutcome) -> TransferOutcome {
        switch (current, vote) {
        case (.alreadyApplied, _), (_, .alreadyApplied): .alreadyApplied
        case (.rejected, _): current
        case (.applied, _): vote
        }
    }

    /// What a shard that voted `vote` does once every vote is in: a shard that refused reserved
    /// nothing; one that prepared books only if every shard prepared.
    static func decision(vote: TransferOutcome, outcome: TransferOutcome?) -> ShardDecision {
        guard vote == .applied else { return .skip }
        return outcome == .applied ? .commit : .release
    }

    // MARK: Rounds

    /// Plans the next round that has anything to book; `.done` when none is left.
    private mutating func nextRound() -> Action {
        while round.upperBound < transfers.count {
            round = round.upperBound..<roundEnd(from: round.upperBound)
            var plan = RoundPlan(shardCount: placement.shardCount, transfers: round.count)
            for index in round {
                let transfer = transfers[index]
                if let error = transfer.validationError(legsMax: legsPerTransferMax) {
                    outcomes[index] = .rejected(error)
                    continue
                }
                plan.add(transfer, origin: index, placement: placement)
            }
            if !plan.isEmpty {
                self.plan = plan
                return .applyAndPrepare(plan)
            }
        }
        plan = nil
        return .done(outcomes)
    }

    /// The end of the round that starts at `start`: the first transfer that depends on one
    /// before it in the round, or the end of the call.
    private mutating func roundEnd(from start: Int) -> Int {
        guard var ids = idsInRound.take() else {
            for index in start..<transfers.count {
                let transfer = transfers[index]
                for earlier in transfers[start..<index]
                where earlier.id == transfer.id || earlier.id == transfer.pendingID {
                    return index
                }
            }
            return transfers.count
        }
        defer { idsInRound = ids }
        ids.startRound()
        for index in start..<transfers.count {
            let transfer = transfers[index]
            let id = transfer.id.rawValue
            if ids.contains(id) || transfer.pendingID.map({ ids.contains($0.rawValue) }) == true {
                return index
            }
            ids.insert(id)
        }
        return transfers.count
    }
}
