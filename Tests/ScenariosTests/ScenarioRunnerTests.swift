import Foundation
import Testing

@testable import Scenarios

/// Whole runs of a small scenario in simulated mode.
@Suite struct ScenarioRunnerTests {
    static let text = """
        name: tiny
        seed: 3
        merchants:
          count: 20
          currencies: {USD: 0.7, EUR: 0.3}
        load:
          start_tps: 50
          stages:
            - hold: 3s
        mix:
          amounts:
            USD: {weight: 3, median: "40.00"}
            EUR: {weight: 1, median: "30.00"}
          capture: {immediate: 0.7, delayed: 0.2, never: 0.1, partial: 0.3}
          refunds: {full: 0.1, partial: 0.1}
          disputes: 0.05
          client_retries: 0.1
        thresholds:
          payments_total: "> 100"
        """

    @Test func theSameSeedGivesTheSameDigestAndEveryInvariantHolds() async throws {
        let scenario = try ScenarioParser.parse(Self.text, file: "tiny.yaml")
        let first = try await ScenarioRunner.run(scenario, mode: .simulated)
        let second = try await ScenarioRunner.run(scenario, mode: .simulated)
        #expect(first.digest == second.digest)
        #expect(first.payments == second.payments)
        #expect(first.invariantsHold, "\(first.invariants.filter { !$0.holds })")
        #expect(first.thresholdsPass)
        #expect(first.payments.attempted > 100)
        #expect(first.payments.idempotentReplays > 0)
        var other = scenario
        other.seed = 4
        let third = try await ScenarioRunner.run(other, mode: .simulated)
        #expect(third.digest != first.digest)
        #expect(third.invariantsHold)
    }

    /// `onboarding: before_load`: every merchant exists before the first arrival (not only the
    /// ones the journeys pick), the load meets no onboarding, and a seed still gives one digest.
    @Test func merchantsOnboardedBeforeTheLoadAreAllThereAndTheRunIsDeterministic() async throws {
        let text = Self.text.replacingOccurrences(
            of: "  count: 20\n", with: "  count: 400\n  onboarding: before_load\n")
        let scenario = try ScenarioParser.parse(text, file: "tiny.yaml")
        #expect(scenario.merchants.onboarding == .beforeLoad)
        let first = try await ScenarioRunner.run(scenario, mode: .simulated)
        let second = try await ScenarioRunner.run(scenario, mode: .simulated)
        #expect(first.generator.merchantsOnboardedBeforeLoad == 400)
        #expect(first.digest == second.digest)
        #expect(first.invariantsHold, "\(first.invariants.filter { !$0.holds })")
        var lazy = scenario
        lazy.merchants.onboarding = .onFirstPayment
        let onFirstPayment = try await ScenarioRunner.run(lazy, mode: .simulated)
        #expect(onFirstPayment.generator.merchantsOnboardedBeforeLoad == 0)
        #expect(onFirstPayment.invariantsHold)
    }

    @Test func aFailingThresholdIsReportedNotHidden() async throws {
        let text = Self.text.replacingOccurrences(
            of: "payments_total: \"> 100\"", with: "payments_total: \"< 10\"")
        let scenario = try ScenarioParser.parse(text, file: "tiny.yaml")
        let report = try await ScenarioRunner.run(scenario, mode: .simulated)
        #expect(!report.thresholdsPass)
        #expect(report.thresholds.first?.passed == false)
    }
}
