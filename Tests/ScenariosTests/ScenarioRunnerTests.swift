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
        // The run's own CPU figure: some was used, and its share of a core matches its wall time.
        let cpu = try #require(first.cpu)
        #expect(cpu.userSeconds > 0 && cpu.systemSeconds >= 0)
        #expect(abs(cpu.cores * first.wallSeconds - (cpu.userSeconds + cpu.systemSeconds)) < 1e-6)
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

    /// Memory thresholds are judged on the run's own RSS samples, after they are taken. A run
    /// shorter than a minute has no first-minute sample: its growth threshold fails with no
    /// value (a check that could not be made is not a pass), while its peak is there.
    @Test func memoryThresholdsUseTheRunsSamplesAndFailWithoutThem() async throws {
        let withMemory = Self.text.replacingOccurrences(
            of: "payments_total: \"> 100\"",
            with: "memory_growth_ratio: \"< 100\"\n  rss_max_mb: \"> 1\"")
        let short = try await ScenarioRunner.run(
            try ScenarioParser.parse(withMemory, file: "tiny.yaml"), mode: .simulated)
        #expect(short.invariantsHold)
        let growth = try #require(short.thresholds.first { $0.metric == "memory_growth_ratio" })
        #expect(growth.value == nil && !growth.passed)
        let peak = try #require(short.thresholds.first { $0.metric == "rss_max_mb" })
        #expect(peak.passed && peak.value == short.memory?.residentMBMax)
        #expect(!short.thresholdsPass)
        let json = String(decoding: try JSONEncoder().encode(growth), as: UTF8.self)
        #expect(json.contains("\"value\":null"), "\(json)")

        // Past a minute (70 s at 5 TPS): the ratio is the end over the first minute's sample.
        let long = try await ScenarioRunner.run(
            try ScenarioParser.parse(
                withMemory.replacingOccurrences(of: "start_tps: 50", with: "start_tps: 5")
                    .replacingOccurrences(of: "- hold: 3s", with: "- hold: 70s"), file: "tiny.yaml"),
            mode: .simulated)
        let memory = try #require(long.memory)
        let first = try #require(memory.residentMBAfterFirstMinute)
        let ratio = try #require(long.thresholds.first { $0.metric == "memory_growth_ratio" })
        #expect(ratio.value == memory.residentMBAtEnd / first)
        #expect(ratio.passed && long.thresholdsPass)
    }

    /// The peak is what the once-a-second readings saw, not only the minute's samples and the
    /// end: a short spike between two samples is the run's `rss_max_mb`, and the chart's
    /// samples stay one a minute.
    @Test func thePeakCountsReadingsBetweenTheMinutesSamples() throws {
        let megabyte = 1 << 20
        var samples = MemorySamples()
        samples.record(minute: 1, bytes: 300 * megabyte)
        samples.notePeak(bytes: 1_400 * megabyte)
        samples.notePeak(bytes: 200 * megabyte)
        samples.record(minute: 2, bytes: 400 * megabyte)
        let figures = try #require(samples.figures(endBytes: 500 * megabyte))
        #expect(figures.residentMBMax == 1_400)
        #expect(figures.samples.map(\.residentMB) == [300, 400])
        #expect(figures.residentMBAfterFirstMinute == 300 && figures.residentMBAtEnd == 500)
    }
}
