import Services
import Testing

@testable import Scenarios

/// The `service_crash` fault: the webhook dispatcher alone dies mid-load and a fresh one
/// rebuilds what it owed from the journal; every event still reaches its merchant, and the run
/// replays exactly.
@Suite struct ServiceCrashFaultTests {
    static let seeds: [UInt64] = [1, 2, 3, 4]

    static func text(_ fault: String) -> String {
        FaultTests.scenario(faults: "  - " + fault)
    }

    @Test func aServiceCrashParsesWithItsTargetWindowAndRestartBounds() throws {
        let scenario = try ScenarioParser.parse(
            Self.text(
                "{kind: service_crash, target: webhook_dispatcher, start: 1s, duration: 2s, "
                    + "restart_after: [200ms, 3s], enabled: 0.5}"), file: "f.yaml")
        #expect(
            scenario.faults == [
                FaultSpec(
                    kind: .serviceCrash, target: .service(.webhookDispatcher), start: .seconds(1),
                    duration: .seconds(2), restartAfter: .milliseconds(200)...(.seconds(3)),
                    enabledProbability: 0.5)
            ])
        let fixed = try ScenarioParser.parse(
            Self.text("{kind: service_crash, target: webhook_dispatcher, start: 1s}"), file: "f.yaml")
        #expect(
            fixed.faults.first?.restartAfter == FaultSpec.restartAfterDefault...FaultSpec.restartAfterDefault)
    }

    /// Each malformed service crash, and the exact location and message the engineer must see.
    @Test(arguments: [
        (
            "{kind: service_crash, start: 1s}",
            "f.yaml:7:5: faults[0]: service_crash needs a target: the service that crashes (webhook_dispatcher)"
        ),
        (
            "{kind: service_crash, target: all}",
            "f.yaml:7:35: faults[0].target: a service_crash targets one service (webhook_dispatcher), not 'all'"
        ),
        (
            "{kind: service_crash, target: fraud_engine}",
            "f.yaml:7:35: faults[0].target: a service_crash targets one service (webhook_dispatcher), not 'fraud_engine'"
        ),
        (
            "{kind: service_crash, target: webhook_dispatcher, restart_after: soon}",
            "f.yaml:7:70: faults[0].restart_after: expected a duration like '500ms', '30s', '10m', '1h30m' or '2d', got 'soon'"
        ),
        (
            "{kind: service_crash, target: webhook_dispatcher, restart_after: 2h}",
            "f.yaml:7:70: faults[0].restart_after: a crashed service restarts at most 1h later"
        ),
        (
            "{kind: service_crash, target: webhook_dispatcher, restart_after: [3s, 1s]}",
            "f.yaml:7:70: faults[0].restart_after: [low, high] needs low <= high (3s > 1s)"
        ),
        (
            "{kind: service_crash, target: webhook_dispatcher, rate: 0.5}",
            "f.yaml:7:61: faults[0].rate: 'rate' does not apply to service_crash: it has no probability"
        ),
        (
            "{kind: crash, target: process, restart_after: 1s}",
            "f.yaml:7:51: faults[0].restart_after: 'restart_after' does not apply to crash: only service_crash restarts a service"
        ),
    ])
    func malformedServiceCrashesNameFileLineAndKey(fault: String, expected: String) throws {
        let error = try #require(FaultTests.parseError("  - " + fault))
        #expect(error.description == expected)
    }

    @Test func crashesFallInTheirWindowRestartWithinBoundsAndDependOnTheSeed() throws {
        var scenario = try SwarmTests.shipped("chaos-service-restart.yaml")
        var instants: Set<Duration> = []
        var downtimes: Set<Duration> = []
        for seed in 1...20 as ClosedRange<UInt64> {
            scenario.seed = seed
            let plan = FaultPlan(scenario)
            #expect(plan.needsJournal)
            let crashes = plan.serviceCrashes(loadEnd: scenario.duration)
            #expect(crashes == plan.serviceCrashes(loadEnd: scenario.duration))
            #expect(crashes.map(\.at) == crashes.map(\.at).sorted())
            for crash in crashes {
                #expect(crash.service == .webhookDispatcher)
                #expect(crash.at >= .seconds(1) && crash.at <= .seconds(4))
                #expect(crash.restartAfter >= .milliseconds(200) && crash.restartAfter <= .seconds(2))
                instants.insert(crash.at)
                downtimes.insert(crash.restartAfter)
            }
        }
        #expect(instants.count > 10)
        #expect(downtimes.count > 10)
    }

    /// Adding a service crash to a scenario moves none of its other faults.
    @Test func aServiceCrashLeavesTheOtherFaultsWhereTheyWere() throws {
        let everything = try SwarmTests.shipped("chaos-everything.yaml")
        var without = everything
        without.faults.removeAll { $0.kind == .serviceCrash }
        #expect(without.faults.count == everything.faults.count - 1)
        for seed in 1...50 as ClosedRange<UInt64> {
            var with = everything
            with.seed = seed
            without.seed = seed
            let others = FaultPlan(with).faults.filter { $0.kind != .serviceCrash }
            #expect(others == FaultPlan(without).faults, "seed \(seed)")
        }
    }

    @Test(arguments: seeds)
    func aDispatcherCrashMidRunLosesNoEventAndReplaysExactly(seed: UInt64) async throws {
        let scenario = Swarm.scenario(try SwarmTests.shipped("chaos-service-restart.yaml"), seed: seed)
        // No journal given: the runner journals in memory for the restart to rebuild from.
        let first = try await ScenarioRunner.run(scenario, mode: .simulated)
        let failed = first.invariants.filter { !$0.holds }.map { "\($0.name): \($0.examples)" }
        #expect(failed.isEmpty, "seed \(seed): \(failed)")
        let restarts = try #require(first.serviceRestarts, "seed \(seed)")
        #expect(restarts.crashes >= 1, "seed \(seed)")
        #expect(restarts.restarts == restarts.crashes, "seed \(seed): \(restarts)")
        #expect(
            first.invariants.contains { $0.name == Invariant.serviceRestartSucceeds.rawValue && $0.holds })
        #expect(first.webhooks.pending == 0)
        #expect(first.webhooks.delivered + first.webhooks.deadLettered >= first.webhooks.events)
        // The run went on while the dispatcher was down and after it came back.
        #expect(first.payments.succeeded > first.payments.attempted / 3, "seed \(seed): \(first.payments)")
        let second = try await ScenarioRunner.run(scenario, mode: .simulated)
        #expect(second.digest == first.digest, "seed \(seed)")
        #expect(second.serviceRestarts == first.serviceRestarts, "seed \(seed)")
        #expect(second.webhooks == first.webhooks, "seed \(seed)")
    }

    /// Across the seeds the crashes did cut deliveries off and events did wait in the journal,
    /// so the checks above were not vacuous; without a service crash there are no figures.
    @Test func crashesAbandonDeliveriesAndTheRestartHandsThemOver() async throws {
        let scenario = try SwarmTests.shipped("chaos-service-restart.yaml")
        var abandoned = 0
        var leftToJournal = 0
        var handedOver = 0
        for seed in 5...8 as ClosedRange<UInt64> {
            let report = try await ScenarioRunner.run(Swarm.scenario(scenario, seed: seed), mode: .simulated)
            abandoned += report.serviceRestarts?.deliveriesAbandoned ?? 0
            leftToJournal += report.serviceRestarts?.eventsLeftToJournal ?? 0
            handedOver += report.serviceRestarts?.handedOver ?? 0
        }
        #expect(abandoned > 0)
        #expect(leftToJournal > 0)
        #expect(handedOver >= leftToJournal)
        var quiet = scenario
        quiet.faults.removeAll { $0.kind == .serviceCrash }
        let report = try await ScenarioRunner.run(quiet, mode: .simulated)
        #expect(report.serviceRestarts == nil)
        #expect(!report.invariants.contains { $0.name == Invariant.serviceRestartSucceeds.rawValue })
    }
}
