import Foundation
import Testing

@testable import Scenarios

/// `paystorm capacity`'s stepping and bisection, with a fake step runner that holds below a
/// given rate: no run, no clock.
@Suite struct CapacitySearchTests {
    static let search = CapacitySearch.Configuration(
        scaleStart: 1, stepFactor: 2, scaleMax: 64, scaleMin: 1.0 / 8, resolution: 0.1, stepsMax: 20)

    /// A system that holds every rate up to `ceilingTPS`.
    static func probe(
        ceilingTPS: Double, peakTPS: Double = 1_000, search: CapacitySearch.Configuration = search
    ) async -> CapacityReport {
        await CapacityProbe.run(
            scenario: "fake", peakTPS: peakTPS, stepSeconds: 20, search: search
        ) { scale, phase in
            let offered = peakTPS * scale
            let held = offered <= ceilingTPS
            return CapacityStep(
                scale: scale, phase: phase, targetPeakTPS: offered, offeredTPS: offered,
                answeredTPS: min(offered, ceilingTPS),
                answeredRatio: min(1, ceilingTPS / offered), authorizeP50Milliseconds: 100,
                authorizeP99Milliseconds: held ? 500 : 9_000,
                cpuCores: nil, residentMBMax: nil, shed: 0, droppedArrivals: 0,
                verdict: held ? "PASS" : "SATURATED (stage 1)", held: held)
        }
    }

    @Test func stepsUpThenBisectsToTheKnee() async throws {
        let report = await Self.probe(ceilingTPS: 5_000)
        // 1x, 2x, 4x held; 8x failed; then bisection between 4,000 and 8,000 TPS.
        #expect(report.steps.prefix(4).map(\.scale) == [1, 2, 4, 8])
        #expect(report.steps.prefix(4).map(\.phase) == [.stepping, .stepping, .stepping, .stepping])
        #expect(report.steps.dropFirst(4).allSatisfy { $0.phase == .bisecting })
        #expect(report.steps[4].scale == 6)
        let held = try #require(report.highestHeld)
        let knee = try #require(report.knee)
        #expect(held.offeredTPS <= 5_000)
        #expect(knee.offeredTPS > 5_000)
        // Within the resolution: the gap is at most 10% of the held rate.
        #expect((knee.offeredTPS - held.offeredTPS) / held.offeredTPS <= 0.1)
        #expect(held.offeredTPS >= 4_500)
    }

    @Test func aFirstStepThatFailsStepsDown() async throws {
        let report = await Self.probe(ceilingTPS: 300)
        #expect(report.steps.prefix(3).map(\.scale) == [1, 0.5, 0.25])
        let held = try #require(report.highestHeld)
        #expect(held.offeredTPS <= 300)
        #expect(try #require(report.knee).offeredTPS > 300)
    }

    @Test func everyStepHeldStopsAtTheLargestScale() async {
        let report = await Self.probe(ceilingTPS: 1e12)
        #expect(report.steps.map(\.scale) == [1, 2, 4, 8, 16, 32, 64])
        #expect(report.knee == nil)
        #expect(report.highestHeld?.scale == 64)
    }

    @Test func nothingHeldStopsAtTheSmallestScale() async {
        let report = await Self.probe(ceilingTPS: 1)
        #expect(report.steps.map(\.scale) == [1, 0.5, 0.25, 0.125])
        #expect(report.highestHeld == nil)
        #expect(report.knee?.scale == 0.125)
    }

    @Test func theStepBudgetBoundsTheSearch() async {
        var search = Self.search
        search.stepsMax = 5
        let report = await Self.probe(ceilingTPS: 5_000, search: search)
        #expect(report.steps.count == 5)
    }

    @Test func theReportRoundTripsAsJSONWithItsFindings() async throws {
        let report = await Self.probe(ceilingTPS: 5_000)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let data = try encoder.encode(report)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"highest_held\""))
        #expect(text.contains("\"knee\""))
        #expect(text.contains("\"peak_tps_at_scale_one\""))
        #expect(text.contains("\"authorize_p99_ms\""))
        // A plain decoder reads what the command writes with `.convertToSnakeCase`.
        #expect(try JSONDecoder().decode(CapacityReport.self, from: data) == report)
    }

    @Test func badSearchesAreNamed() {
        var search = Self.search
        search.stepFactor = 1
        #expect(search.problem != nil)
        #expect(Self.search.problem == nil)
    }

    /// A step's offered rate is what its answered rate is measured against: the arrivals due per
    /// second in the peak stage, not the scenario's instantaneous peak, which on a ramp is
    /// higher than anything the stage asks on average.
    @Test func offeredIsThePeakStagesDueRate() async throws {
        let scenario = try ScenarioParser.parse(
            """
            name: ramps
            merchants: {count: 20}
            load: {start_tps: 100, stages: [{ramp_to: 300, over: 2s}, {ramp_to: 100, over: 2s}]}
            """, file: "ramps.yaml")
        let report = try await ScenarioRunner.run(scenario, mode: .simulated)
        let step = CapacityStep(
            scale: 1, phase: .stepping, targetPeakTPS: scenario.load.peakTPS, report: report,
            residentMBMax: nil)
        #expect(step.targetPeakTPS == 300)
        // Arrivals are drawn at random around the mean: 200 give or take, far from 300.
        #expect(abs(step.offeredTPS - 200) <= 30)
        #expect(step.answeredTPS <= step.offeredTPS * 1.05)
        #expect(step.answeredTPS >= step.offeredTPS * 0.9)
    }
}
