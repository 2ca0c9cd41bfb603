import Services
import Testing

@testable import Scenarios

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Swarms over the shipped chaos scenarios: no seed breaks an invariant, seeds choose different
/// faults, and a seed replays to the same digest.
@Suite struct SwarmTests {
    static func shipped(_ name: String) throws -> Scenario {
        let path = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scenarios").appendingPathComponent(name).path
        return try ScenarioParser.load(path: path)
    }

    @Test func twentySeedsOfChaosEverythingHoldEveryInvariant() async throws {
        let scenario = try Self.shipped("chaos-everything.yaml")
        let outcomes = await Swarm.run(scenario, seeds: Array(1...20), jobs: 2)
        #expect(outcomes.map(\.seed) == Array(1...20))
        for outcome in outcomes {
            #expect(
                !outcome.failed, "seed \(outcome.seed) [\(outcome.faults)]: \(outcome.firstViolation ?? "")")
            #expect(outcome.payments > 50)
        }
        // Seeds explore: different fault choices and different final states.
        #expect(Set(outcomes.map(\.faults)).count > 5)
        #expect(Set(outcomes.map(\.digest)).count == outcomes.count)
    }

    @Test(arguments: [
        "chaos-network-timeouts.yaml", "chaos-card-network-outage.yaml", "chaos-webhook-endpoint-down.yaml",
    ])
    func chaosScenariosHoldOnAFewSeeds(name: String) async throws {
        let scenario = try Self.shipped(name)
        let outcomes = await Swarm.run(scenario, seeds: Array(1...4), jobs: 2)
        for outcome in outcomes {
            #expect(
                !outcome.failed,
                "\(name) seed \(outcome.seed) [\(outcome.faults)]: \(outcome.firstViolation ?? "")")
            #expect(outcome.faults != "no faults")
        }
    }

    /// A swarm seed is the scenario run with that seed: the swarm and `paystorm run --seed N`
    /// (ScenarioRunner.run of the scenario with seed N) give the same digest.
    @Test func aSeedReplaysToTheSameDigest() async throws {
        let scenario = try Self.shipped("chaos-everything.yaml")
        let first = await Swarm.runSeed(scenario, seed: 7)
        let again = await Swarm.runSeed(scenario, seed: 7)
        let replay = try await ScenarioRunner.run(Swarm.scenario(scenario, seed: 7), mode: .simulated)
        #expect(first.digest == again.digest)
        #expect(first.digest == replay.digest)
        #expect(first.faults == again.faults)
    }

    @Test(arguments: [
        ("1-5", [UInt64(1), 2, 3, 4, 5]), ("42", [42]), ("1-2,9,20-21", [1, 2, 9, 20, 21]),
    ])
    func seedListsParse(text: String, seeds: [UInt64]) {
        #expect(SeedList.parse(text) == seeds)
    }

    @Test(arguments: ["", "5-1", "a", "1-", "1-2-3", ",", "0-99999999999"])
    func badSeedListsAreRefused(text: String) {
        #expect(SeedList.parse(text) == nil)
    }
}

/// Mutation check: with a bug planted in the services, the swarm finds a failing seed, and
/// replaying that seed gives the same digest and the same first violation.
@Suite struct SwarmMutationTests {
    /// Each planted bug and the invariant that must catch it.
    @Test(arguments: [
        (PlantedBug.ignoreIdempotencyKeys, "one_charge_per_idempotency_key"),
        (PlantedBug.bookFeeWithoutCounterLeg, "every_money_movement_booked"),
        (PlantedBug.retryAuthorizationAfterTimeout, "no_authorization_held_for_a_failed_payment"),
        (PlantedBug.bookCaptureTwice, "settlement_matches_captured_less_fees_refunds_disputes"),
        (PlantedBug.releaseCaptureRemainderTwice, "every_money_movement_booked"),
        (PlantedBug.refundBeyondCaptured, "settlement_matches_captured_less_fees_refunds_disputes"),
        (PlantedBug.acknowledgeWithoutJournal, "every_acknowledged_answer_journaled"),
        (PlantedBug.dropEvent, "every_state_change_yields_exactly_one_event"),
        (PlantedBug.emitEventTwice, "every_state_change_yields_exactly_one_event"),
        (PlantedBug.restartWithoutRebuild, "every_event_delivered_or_dead_lettered"),
    ])
    func thePlantedBugIsFoundAndItsSeedReplays(bug: PlantedBug, invariant: String) async throws {
        let scenario = try Self.scenario(for: bug)
        let outcomes = await Swarm.run(scenario, seeds: Array(1...6), jobs: 2, plantedBug: bug)
        let firstFailing = outcomes.first { $0.failed }
        let failing = try #require(firstFailing, "the planted bug \(bug) went unnoticed")
        #expect(failing.firstViolation?.hasPrefix(invariant) == true, "\(failing)")
        let replay = try await ScenarioRunner.run(
            Swarm.scenario(scenario, seed: failing.seed), mode: .simulated, plantedBug: bug)
        #expect(replay.digest == failing.digest)
        let violated = try #require(replay.invariants.first { !$0.holds })
        #expect(failing.firstViolation?.hasPrefix(violated.name) == true)
        // Without the bug the same seed holds.
        let healthy = await Swarm.runSeed(scenario, seed: failing.seed)
        #expect(!healthy.failed, "\(healthy)")
    }

    /// chaos-everything, with more of what a bug needs where chaos-everything has little of it:
    /// partial captures refunded in full for `refundBeyondCaptured`; a journal (its slow-sync
    /// fault on for every seed) for `acknowledgeWithoutJournal`; the dispatcher's crash on for
    /// every seed for `restartWithoutRebuild`. The faults are the file's own.
    static func scenario(for bug: PlantedBug) throws -> Scenario {
        var scenario = try SwarmTests.shipped("chaos-everything.yaml")
        switch bug {
        case .refundBeyondCaptured:
            scenario.mix.capture = CaptureMix(immediate: 0.4, delayed: 0.6, never: 0, partial: 0.8)
            scenario.mix.refunds = RefundMix(full: 0.5, partial: 0.1)
        case .acknowledgeWithoutJournal:
            for index in scenario.faults.indices where scenario.faults[index].kind == .journalSlowSync {
                scenario.faults[index].enabledProbability = 1
            }
            #expect(scenario.faults.contains { $0.kind == .journalSlowSync })
        case .restartWithoutRebuild:
            for index in scenario.faults.indices where scenario.faults[index].kind == .serviceCrash {
                scenario.faults[index].enabledProbability = 1
            }
            #expect(scenario.faults.contains { $0.kind == .serviceCrash })
        default:
            break
        }
        return scenario
    }
}
