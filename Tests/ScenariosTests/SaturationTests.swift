import Testing

@testable import Scenarios

/// A run is judged on what was answered, not on what was sent: a realtime run that cannot keep
/// up with its arrivals is SATURATED (a failed threshold, exit 3), naming the stage.
@Suite struct SaturationTests {
    /// 8,000 TPS for a second asks far more of a debug build on a shared machine than it can
    /// answer within the scenario's 500 ms objective; with at most 1,000 journeys in flight the
    /// rest are dropped and counted, not queued.
    @Test func aRealtimeRunThatCannotKeepUpIsSaturated() async throws {
        let scenario = try ScenarioParser.parse(
            """
            name: overload
            merchants: {count: 200}
            load: {start_tps: 8000, max_in_flight: 1000, stages: [{hold: 1s}]}
            thresholds:
              authorize_p99_ms: "< 500"
            """, file: "overload.yaml")
        #expect(scenario.answerDeadline == .milliseconds(500))
        let report = try await ScenarioRunner.run(scenario, mode: .realtime)
        let stage = try #require(report.saturatedStage)
        #expect(stage.stage == 1)
        #expect(stage.judged)
        #expect(stage.answeredToDueRatio < 0.99)
        #expect(stage.due >= 7_000)
        #expect(!report.thresholdsPass)
        let check = try #require(report.thresholds.first { $0.metric == "stage_answered_to_due_ratio" })
        #expect(!check.passed)
        #expect(check.condition == ">= 0.99")
        #expect(report.generator.maxInFlight == 1_000)
        #expect(report.generator.droppedArrivals > 0)
        // Every arrival was either sent or dropped.
        #expect(report.payments.attempted + report.generator.droppedArrivals == stage.due)
        // The verdict tells the runner's bound from the system's limit.
        #expect(report.verdict.hasPrefix("SATURATED (stage 1, 8000 TPS target: answered "))
        #expect(
            report.verdict.hasSuffix(
                "; \(report.generator.droppedArrivals) arrivals of the run dropped at the in-flight bound "
                    + "of 1000 journeys)"))
    }

    /// The default bound stands for memory: a journey waiting for its next step holds no task
    /// and counts as the fraction of one that sends that it costs. A bound the scenario sets
    /// counts every journey as one.
    @Test func theDefaultBoundCountsAJourneyWaitingAsAFractionOfOne() {
        let perJourney = InFlightBudget.waitingJourneysPerJourney
        #expect(
            perJourney == InFlightBudget.journeyBytesEstimate / InFlightBudget.waitingJourneyBytesEstimate)
        #expect(perJourney > 1)
        let bound = InFlightBudget.defaultMaxInFlight
        // Every journey sending: full at the bound, as before.
        #expect(LoadGenerator.isFull(bound, inFlight: bound, waiting: 0, waitingPerJourney: perJourney))
        #expect(!LoadGenerator.isFull(bound, inFlight: bound - 1, waiting: 0, waitingPerJourney: perJourney))
        // Twice the bound in flight, nearly all waiting: room left.
        let waiting = 2 * bound - 1_000
        #expect(
            !LoadGenerator.isFull(bound, inFlight: 2 * bound, waiting: waiting, waitingPerJourney: perJourney)
        )
        // Full once the waiting ones add up to what the sending ones leave.
        #expect(
            LoadGenerator.isFull(
                bound, inFlight: bound * perJourney, waiting: bound * perJourney,
                waitingPerJourney: perJourney))
        // A scenario's own bound counts a journey waiting as one.
        #expect(LoadGenerator.isFull(100, inFlight: 100, waiting: 100, waitingPerJourney: 1))
    }

    @Test func theInFlightBoundIsRangeChecked() {
        #expect(throws: ScenarioError.self) {
            try ScenarioParser.parse(
                "name: x\nload: {start_tps: 10, max_in_flight: 0, stages: [{hold: 1s}]}\n", file: "x.yaml")
        }
    }

    /// A simulated run cannot fall behind its virtual clock: its stages are reported and not
    /// judged, and the implicit check passes.
    @Test func aSimulatedRunReportsItsStagesWithoutJudgingThem() async throws {
        let scenario = try ScenarioParser.parse(
            """
            name: calm
            merchants: {count: 20}
            load: {start_tps: 100, stages: [{ramp_to: 300, over: 2s}, {hold: 2s}]}
            """, file: "calm.yaml")
        let report = try await ScenarioRunner.run(scenario, mode: .simulated)
        #expect(report.stages.count == 2)
        #expect(report.stages.allSatisfy { !$0.judged && $0.due > 0 })
        #expect(report.saturatedStage == nil)
        #expect(report.thresholds.contains { $0.metric == "stage_answered_to_due_ratio" && $0.passed })
    }

    /// A scenario that words the check itself replaces the default and is judged even when
    /// simulated.
    @Test func aScenarioMayRelaxTheCheck() throws {
        let scenario = try ScenarioParser.parse(
            """
            name: relaxed
            load: {start_tps: 10, stages: [{hold: 1s}]}
            thresholds:
              stage_answered_to_due_ratio: ">= 0.5"
            """, file: "relaxed.yaml")
        let judged = Threshold.judging(scenario.thresholds)
        #expect(judged.count == 1)
        #expect(judged[0].bound == 0.5)
        #expect(Threshold.judging([]) == [Threshold.keptUp])
    }
}
