import Journal
import Services
import Testing

@testable import Scenarios

/// The `crash` fault: the whole process dies mid-load and is rebuilt from the journal; the run
/// goes on, loses nothing acknowledged, charges nothing twice, and replays exactly.
@Suite struct CrashFaultTests {
    static let seeds: [UInt64] = [1, 2, 3, 4]

    @Test(arguments: seeds)
    func aCrashMidRunLosesNothingAcknowledgedAndReplaysExactly(seed: UInt64) async throws {
        let scenario = Swarm.scenario(try SwarmTests.shipped("chaos-crash-recovery.yaml"), seed: seed)
        let first = try await ScenarioRunner.run(scenario, mode: .simulated)
        let failed = first.invariants.filter { !$0.holds }.map { "\($0.name): \($0.examples)" }
        #expect(failed.isEmpty, "seed \(seed): \(failed)")
        let recovery = try #require(first.recovery, "seed \(seed)")
        #expect(recovery.crashes >= 1, "seed \(seed)")
        #expect(recovery.paymentsRecovered > 0, "seed \(seed): \(recovery)")
        // The crash-only invariants are in the report, holding.
        #expect(first.invariants.contains { $0.name == "acknowledged_survives_crash" && $0.holds })
        // The run went on after the crash: payments kept succeeding.
        #expect(first.payments.succeeded > first.payments.attempted / 3, "seed \(seed): \(first.payments)")
        // Same seed, same run, crash included.
        let second = try await ScenarioRunner.run(scenario, mode: .simulated)
        #expect(second.digest == first.digest, "seed \(seed)")
        #expect(second.recovery == first.recovery, "seed \(seed)")
    }

    /// Across a few seeds the crash did cut requests off mid-flight (clients lost answers and sent
    /// them again), so the checks above were not vacuous.
    @Test func crashesCutRequestsOffMidFlight() async throws {
        let scenario = try SwarmTests.shipped("chaos-crash-recovery.yaml")
        var lost = 0
        var resumable = 0
        for seed in Self.seeds {
            let report = try await ScenarioRunner.run(Swarm.scenario(scenario, seed: seed), mode: .simulated)
            lost += report.recovery?.answersLost ?? 0
            resumable += report.recovery?.keysResumable ?? 0
        }
        #expect(lost > 0)
        #expect(resumable > 0)
    }

    @Test func aCrashFaultParsesWithItsWindowAndRefusesAnotherTarget() throws {
        func text(target: String) -> String {
            """
            name: crash
            seed: 1
            merchants: {count: 2}
            load: {start_tps: 5, stages: [{hold: 2s}]}
            faults:
              - {kind: crash, target: \(target), start: 1s, duration: 500ms, enabled: 0.5}
            """
        }
        let good = text(target: "process")
        let scenario = try ScenarioParser.parse(good, file: "crash.yaml")
        #expect(scenario.faults.first?.kind == .crash)
        #expect(scenario.faults.first?.duration == .milliseconds(500))
        #expect(throws: ScenarioError.self) {
            try ScenarioParser.parse(text(target: "visa"), file: "crash.yaml")
        }
    }

    @Test func crashInstantsFallInTheirWindowAndDependOnTheSeed() throws {
        var scenario = try SwarmTests.shipped("chaos-crash-recovery.yaml")
        var instants: Set<Duration> = []
        for seed in 1...20 as ClosedRange<UInt64> {
            scenario.seed = seed
            let plan = FaultPlan(scenario)
            for instant in plan.crashInstants(loadEnd: scenario.duration) {
                #expect(instant >= .seconds(1) && instant <= .seconds(5))
                instants.insert(instant)
            }
        }
        #expect(instants.count > 10)
    }
}
