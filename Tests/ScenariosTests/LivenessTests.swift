import Core
import PaystormRuntime
import Services
import Testing

@testable import Scenarios

/// The liveness phase and failing journal syncs in whole runs: after the heal every journey
/// ends within the bound or is named as a violation (never a hang), unknown outcomes are
/// resolved by a final read, and a journal that fails its syncs loses nothing acknowledged.
@Suite struct LivenessTests {
    static let base = """
        name: liveness
        seed: 11
        merchants: {count: 20, currencies: {USD: 1}}
        load:
          start_tps: 30
          stages:
            - hold: 4s
        """

    static func run(_ text: String) async throws -> RunReport {
        try await ScenarioRunner.run(try ScenarioParser.parse(text, file: "l.yaml"), mode: .simulated)
    }

    @Test func livenessTimeoutIsParsedAndBadOnesNameTheirLine() throws {
        let parsed = try ScenarioParser.parse(Self.base + "\nliveness_timeout: 30s", file: "l.yaml")
        #expect(parsed.livenessTimeout == .seconds(30))
        #expect(
            try ScenarioParser.parse(Self.base, file: "l.yaml").livenessTimeout
                == Scenario.livenessTimeoutDefault)
        for bad in ["0s", "2d", "soon"] {
            do {
                _ = try ScenarioParser.parse(Self.base + "\nliveness_timeout: \(bad)", file: "l.yaml")
                Issue.record("liveness_timeout: \(bad) was accepted")
            } catch {
                #expect(
                    error.file == "l.yaml" && error.line == 8 && error.key == "liveness_timeout", "\(error)")
            }
        }
    }

    /// Failing syncs during the load: steps are refused and undone, clients retry with their
    /// keys, and every invariant holds; the run sees refusals it would not see without them.
    @Test(arguments: [UInt64(1), 2])
    func failingSyncsAreRefusedRetriedAndLoseNothing(seed: UInt64) async throws {
        let text = Self.base.replacingOccurrences(of: "seed: 11", with: "seed: \(seed)")
        let quiet = try await Self.run(text)
        let failing = try await Self.run(
            text + "\nfaults:\n  - {kind: journal_failing_sync, start: 0s, duration: 3s, rate: 0.3}")
        #expect(quiet.invariantsHold, "\(quiet.invariants.filter { !$0.holds })")
        #expect(failing.invariantsHold, "\(failing.invariants.filter { !$0.holds })")
        let chaos = try #require(failing.chaos)
        #expect(chaos.journalAppendsFailed > 50, "\(chaos)")
        #expect(chaos.transitionsUndone > 0, "\(chaos)")
        #expect(chaos.refusalsRetried > 0, "\(chaos)")
        #expect(quiet.chaos == nil)
        #expect(failing.payments.attempted == quiet.payments.attempted)
        #expect(failing.latencyMilliseconds.p99 > quiet.latencyMilliseconds.p99)
    }

    /// With the journal and a crash both failing, what was acknowledged survives the crash.
    @Test func failingSyncsAndACrashLoseNothingAcknowledged() async throws {
        let report = try await Self.run(
            Self.base + """

                faults:
                  - {kind: journal_failing_sync, start: 0s, duration: 4s, rate: 0.2}
                  - {kind: crash, target: process, start: 1s, duration: 2s}
                """)
        #expect(report.invariantsHold, "\(report.invariants.filter { !$0.holds })")
        #expect(report.recovery?.crashes == 1)
        #expect(report.invariants.contains { $0.name == "acknowledged_survives_crash" && $0.holds })
        #expect((report.chaos?.journalAppendsFailed ?? 0) > 0)
    }

    /// A journal that fails every sync for longer than the clients retry: their outcomes are
    /// unknown, and each is resolved by a final read after the heal to one answer.
    @Test func unknownOutcomesAreResolvedByAFinalReadAfterTheHeal() async throws {
        let report = try await Self.run(
            """
            name: unknown
            seed: 3
            merchants: {count: 5, currencies: {USD: 1}}
            load:
              start_tps: 5
              stages:
                - hold: 20s
            faults:
              - {kind: journal_failing_sync, start: 2s, duration: 16s, rate: 1}
            """)
        #expect(report.invariantsHold, "\(report.invariants.filter { !$0.holds })")
        let chaos = try #require(report.chaos)
        #expect(chaos.unknownOutcomesResolved > 0, "\(chaos)")
        #expect(
            report.invariants.contains {
                $0.name == Invariant.unknownOutcomeResolvesToOneState.rawValue && $0.holds
            })
    }

    /// A bound shorter than what a healed system still needs: the journeys still at a request
    /// are named as violations, and the run ends instead of waiting on them.
    @Test func aJourneyPastTheLivenessBoundIsAViolationNotAHang() async throws {
        let slow = """

            faults:
              - {kind: network_latency, added_latency_ms: 4000}
            """
        let bounded = try await Self.run(Self.base + "\nliveness_timeout: 100ms" + slow)
        let liveness = try #require(
            bounded.invariants.first { $0.name == Invariant.everyPaymentSettlesAfterHeal.rawValue })
        #expect(!liveness.holds && liveness.violations > 0)
        #expect(
            liveness.examples.allSatisfy { $0.contains("journey-") && $0.contains("after the heal") },
            "\(liveness)")
        #expect((bounded.chaos?.journeysPastLivenessBound ?? 0) >= liveness.violations)
        let patient = try await Self.run(Self.base + slow)
        #expect(patient.invariantsHold, "\(patient.invariants.filter { !$0.holds })")
    }
}
