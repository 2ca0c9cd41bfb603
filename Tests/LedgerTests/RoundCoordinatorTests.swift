import Core
import Testing

@testable import Ledger

/// The round coordinator's decisions, with plain values for the shards' answers: which shards
/// are asked what in which round, what every shard is told to do with what it prepared, and
/// which outcome each transfer gets.
@Suite struct RoundCoordinatorTests {
    static let placement = LedgerPlacement(configuration: LedgerConfiguration(shardCount: 4))

    /// Two merchants whose balances live on different shards: a transfer between them is
    /// prepared on both.
    static let (west, east): (MerchantID, MerchantID) = {
        let first = MerchantID(1)
        let firstShard = placement.shard(of: .merchantBalance(first, .usd))
        let other = (2...64).map { MerchantID(UInt64($0)) }.first {
            placement.shard(of: .merchantBalance($0, .usd)) != firstShard
        }!
        return (first, other)
    }()
    static var westShard: Int { placement.shard(of: .merchantBalance(west, .usd)) }
    static var eastShard: Int { placement.shard(of: .merchantBalance(east, .usd)) }

    static func across(_ id: UInt32, _ amount: Int64 = 100) -> Transfer {
        Transfer(
            id: Fixture.id(id), currency: .usd, debit: .merchantBalance(west, .usd),
            credit: .merchantBalance(east, .usd), amount: amount)
    }

    /// What the coordinator asked for, as plain values: per shard, the positions (in the call)
    /// of the transfers it books alone and of those it prepares; or per shard, the decisions.
    enum Step: Equatable, CustomStringConvertible {
        case applyAndPrepare(singles: [Int: [Int]], cross: [Int: [Int]])
        case finish([Int: [ShardDecision]])

        var description: String {
            switch self {
            case .applyAndPrepare(let singles, let cross):
                "applyAndPrepare(singles: \(singles), cross: \(cross))"
            case .finish(let decisions): "finish(\(decisions))"
            }
        }
    }

    /// Drives the coordinator with shards that answer `.applied` unless `refusals` names the
    /// (shard, position) pair.
    static func drive(
        _ transfers: [Transfer], refusals: [Int: [Int: TransferOutcome]] = [:]
    ) -> (steps: [Step], outcomes: [TransferOutcome]) {
        var coordinator = RoundCoordinator(transfers, placement: placement, legsPerTransferMax: 8)
        var steps: [Step] = []
        var action = coordinator.start()
        while true {
            switch action {
            case .applyAndPrepare(let plan):
                var singles: [Int: [Int]] = [:]
                var cross: [Int: [Int]] = [:]
                var answers: [(Int, ShardAnswer)] = []
                for shard in plan.involved {
                    let own = plan.singles(shard).headers.map { Int($0.origin) }
                    let shared = plan.cross(shard).headers.map { Int($0.origin) }
                    if !own.isEmpty { singles[shard] = own }
                    if !shared.isEmpty { cross[shard] = shared }
                    let answer = { (position: Int) in refusals[shard]?[position] ?? .applied }
                    answers.append((shard, ShardAnswer(applied: own.map(answer), votes: shared.map(answer))))
                }
                steps.append(.applyAndPrepare(singles: singles, cross: cross))
                action = coordinator.prepared(answers)
            case .finish(_, let shards, let decisions):
                steps.append(.finish(Dictionary(uniqueKeysWithValues: shards.map { ($0, decisions[$0]) })))
                action = coordinator.finished()
            case .done(let outcomes):
                return (steps, outcomes)
            }
        }
    }

    // MARK: Tables

    @Test(
        arguments: [
            (TransferOutcome.applied, TransferOutcome.applied, TransferOutcome.applied),
            (.applied, .alreadyApplied, .alreadyApplied),
            (.applied, .rejected(.inFlight), .rejected(.inFlight)),
            (.alreadyApplied, .applied, .alreadyApplied),
            (.alreadyApplied, .rejected(.inFlight), .alreadyApplied),
            (.rejected(.inFlight), .applied, .rejected(.inFlight)),
            (.rejected(.inFlight), .rejected(.tooManyPending), .rejected(.inFlight)),
            (.rejected(.inFlight), .alreadyApplied, .alreadyApplied),
        ])
    func votesCombineIntoOneOutcome(
        current: TransferOutcome, vote: TransferOutcome, combined: TransferOutcome
    ) {
        #expect(RoundCoordinator.combine(current, vote) == combined)
    }

    @Test(
        arguments: [
            (TransferOutcome.applied, TransferOutcome.applied, ShardDecision.commit),
            (.applied, .rejected(.tooManyAccounts), .release),
            (.applied, .alreadyApplied, .release),
            (.rejected(.tooManyAccounts), .rejected(.tooManyAccounts), .skip),
            (.alreadyApplied, .alreadyApplied, .skip),
        ])
    func aShardCommitsOnlyWhatEveryShardPrepared(
        vote: TransferOutcome, outcome: TransferOutcome, decision: ShardDecision
    ) {
        #expect(RoundCoordinator.decision(vote: vote, outcome: outcome) == decision)
    }

    // MARK: Rounds

    @Test func singleShardTransfersTakeOneStepAndTheShardsAnswers() {
        let transfers = [
            Fixture.fund(Self.west, 500, id: Fixture.id(1)),
            Fixture.fund(Self.east, 700, id: Fixture.id(2)),
        ]
        let refused = TransferOutcome.rejected(.tooManyAccounts)
        let (steps, outcomes) = Self.drive(transfers, refusals: [Self.eastShard: [1: refused]])
        #expect(
            steps == [.applyAndPrepare(singles: [Self.westShard: [0], Self.eastShard: [1]], cross: [:])])
        #expect(outcomes == [.applied, refused])
    }

    @Test func aRepeatedIDOrAPostOfAPendingTransferInTheCallStartsANewRound() {
        let hold = Transfer(
            id: Fixture.id(3), currency: .usd, debit: .customerFunds(.usd),
            credit: .merchantPending(Self.west, .usd), amount: 900, phase: .pending)
        let transfers = [
            Fixture.fund(Self.west, 500, id: Fixture.id(1)),
            Fixture.fund(Self.west, 500, id: Fixture.id(1)),  // repeats position 0
            hold,
            Transfer.post(Fixture.id(4), of: hold),  // posts position 2, in its round
            Fixture.fund(Self.east, 100, id: Fixture.id(5)),
        ]
        let (steps, outcomes) = Self.drive(transfers)
        let holdShard = Self.placement.shard(of: .merchantPending(Self.west, .usd))
        #expect(
            steps == [
                .applyAndPrepare(singles: Self.byShard([(Self.westShard, 0)]), cross: [:]),
                .applyAndPrepare(singles: Self.byShard([(Self.westShard, 1), (holdShard, 2)]), cross: [:]),
                .applyAndPrepare(singles: Self.byShard([(holdShard, 3), (Self.eastShard, 4)]), cross: [:]),
            ])
        #expect(outcomes == Array(repeating: .applied, count: transfers.count))
    }

    /// A round of one shard takes its outcomes written in place, at each transfer's position,
    /// and goes on to the next round as `prepared` does.
    @Test func aRoundOfOneShardTakesItsOutcomesInPlace() throws {
        let transfers = [
            Fixture.fund(Self.west, 500, id: Fixture.id(1)),
            Fixture.fund(Self.west, 500, id: Fixture.id(1)),  // repeats position 0: a round of its own
            Fixture.fund(Self.west, 0, id: Fixture.id(2)),  // refused without a shard
        ]
        var coordinator = RoundCoordinator(transfers, placement: Self.placement, legsPerTransferMax: 8)
        var rounds: [[Int]] = []
        var action = coordinator.start()
        while case .applyAndPrepare(let plan) = action {
            let sole = try #require(plan.soleShard)
            #expect(sole == Self.westShard)
            let positions = plan.singles(sole).headers.map { Int($0.origin) }
            rounds.append(positions)
            action = coordinator.appliedInPlace { outcomes in
                for position in positions { outcomes[position] = position == 0 ? .applied : .alreadyApplied }
            }
        }
        guard case .done(let outcomes) = action else {
            Issue.record("the submission did not end")
            return
        }
        #expect(rounds == [[0], [1]])
        #expect(outcomes == [.applied, .alreadyApplied, .rejected(.zeroAmount(leg: 0))])
    }

    /// A round of single-shard transfers on two shards takes its outcomes in place too; a round
    /// with a cross-shard transfer says so.
    @Test func aRoundWithoutCrossShardTransfersTakesItsOutcomesInPlace() throws {
        let transfers = [
            Fixture.fund(Self.west, 500, id: Fixture.id(1)),
            Fixture.fund(Self.east, 700, id: Fixture.id(2)),
        ]
        var coordinator = RoundCoordinator(transfers, placement: Self.placement, legsPerTransferMax: 8)
        guard case .applyAndPrepare(let plan) = coordinator.start() else {
            Issue.record("no round")
            return
        }
        #expect(plan.soleShard == nil)
        #expect(!plan.hasCrossShardTransfers)
        #expect(plan.involved == [Self.westShard, Self.eastShard].sorted())
        let refused = TransferOutcome.rejected(.tooManyAccounts)
        let action = coordinator.appliedInPlace { outcomes in
            outcomes[0] = .applied
            outcomes[1] = refused
        }
        guard case .done(let outcomes) = action else {
            Issue.record("the submission did not end")
            return
        }
        #expect(outcomes == [.applied, refused])
        var across = RoundCoordinator([Self.across(3)], placement: Self.placement, legsPerTransferMax: 8)
        guard case .applyAndPrepare(let crossPlan) = across.start() else {
            Issue.record("no round")
            return
        }
        #expect(crossPlan.hasCrossShardTransfers)
    }

    @Test func anInvalidTransferIsRefusedWithoutAskingAShard() {
        let zero = Fixture.fund(Self.west, 0, id: Fixture.id(1))
        let (onlyInvalid, refused) = Self.drive([zero])
        #expect(onlyInvalid.isEmpty)
        #expect(refused == [.rejected(.zeroAmount(leg: 0))])
        let (steps, outcomes) = Self.drive([zero, Fixture.fund(Self.west, 5, id: Fixture.id(2))])
        #expect(steps == [.applyAndPrepare(singles: [Self.westShard: [1]], cross: [:])])
        #expect(outcomes == [.rejected(.zeroAmount(leg: 0)), .applied])
        #expect(Self.drive([]).steps.isEmpty && Self.drive([]).outcomes.isEmpty)
    }

    @Test func aCrossShardTransferEveryShardPreparedIsCommittedEverywhere() {
        let (steps, outcomes) = Self.drive([Self.across(1)])
        #expect(
            steps == [
                .applyAndPrepare(singles: [:], cross: [Self.westShard: [0], Self.eastShard: [0]]),
                .finish([Self.westShard: [.commit], Self.eastShard: [.commit]]),
            ])
        #expect(outcomes == [.applied])
    }

    @Test func oneRefusalReleasesWhatTheOtherShardsPrepared() {
        let refusal = TransferOutcome.rejected(.insufficientFunds(account: .merchantBalance(Self.west, .usd)))
        // Position 1 is refused by the west shard, position 0 by none.
        let (steps, outcomes) = Self.drive(
            [Self.across(1), Self.across(2)], refusals: [Self.westShard: [1: refusal]])
        #expect(
            steps.last
                == .finish([Self.westShard: [.commit, .skip], Self.eastShard: [.commit, .release]]))
        #expect(outcomes == [.applied, refusal])
    }

    @Test func aShardThatRemembersTheIDMakesItAlreadyAppliedAndTheFirstRefusalInShardOrderWins() {
        let first = TransferOutcome.rejected(.inFlight)
        let second = TransferOutcome.rejected(.tooManyAccounts)
        let (low, high) = (min(Self.westShard, Self.eastShard), max(Self.westShard, Self.eastShard))
        let (steps, outcomes) = Self.drive(
            [Self.across(1), Self.across(2)],
            refusals: [low: [0: .alreadyApplied, 1: first], high: [1: second]])
        #expect(steps.last == .finish([low: [.skip, .skip], high: [.release, .skip]]))
        #expect(outcomes == [.alreadyApplied, first])
    }

    /// Positions grouped by shard, in the order given.
    static func byShard(_ pairs: [(shard: Int, position: Int)]) -> [Int: [Int]] {
        Dictionary(grouping: pairs, by: \.shard).mapValues { $0.map(\.position) }
    }
}
