import Foundation
import Testing

@testable import Reports
@testable import Scenarios

/// The run report's page: self-contained, every chart drawn with the run's data, the scenario
/// text escaped, the tables filled from the report.
@Suite struct RunReportPageTests {
    static func report() -> RunReport {
        RunReport(
            scenario: "tiny <b>", seed: 7, mode: "simulated", durationSeconds: 4, wallSeconds: 0.5,
            payments: RunReport.PaymentCounts(),
            tps: RunReport.Throughput(
                targetAverage: 20, targetPeak: 20, achievedAverage: 20, achievedPeak: 20,
                achievedToTargetRatio: 1,
                peakAnsweredToDueRatio: 1),
            latencyMilliseconds: LatencySummary(count: 0, p50: 1, p90: 2, p99: 3, p999: 4, max: 5, mean: 2),
            dispatchDelayMilliseconds: LatencySummary(
                count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0),
            declines: ["insufficient_funds": 3], fraud: RunReport.FraudFigures(),
            webhooks: RunReport.WebhookFigures(),
            settlement: [RunReport.CurrencyAmount(currency: "USD", amount: "12.34", payouts: 2)],
            ledger: [
                RunReport.LedgerCurrencyFigures(
                    currency: "USD", debits: "100.00", credits: "100.00", imbalance: "0.00", transfers: 9)
            ],
            invariants: [
                RunReport.InvariantResult(name: "ledger_balances", holds: true, violations: 0, examples: [])
            ],
            thresholds: [
                RunReport.ThresholdResult(
                    metric: "authorize_p99_ms", condition: "< 2000", value: 3, passed: true)
            ],
            generator: RunReport.GeneratorFigures(fellBehind: false, lateDispatches: 0, escapedJobs: 0),
            digest: "00000000000000ff")
    }

    static func rows(_ count: Int) -> [TimeSeriesRow] {
        let recorder = TimeSeriesRecorder()
        return (1...count).map { second in
            var progress = RunProgress()
            progress.elapsed = .seconds(second)
            progress.targetTPS = 20
            progress.attempted = 20 * second
            progress.answered = 20 * second - 1
            progress.inFlight = 10 + second
            progress.waiting = second
            progress.intervalAuthorizations = 20
            progress.intervalP50Milliseconds = 10
            progress.intervalP90Milliseconds = 20
            progress.intervalP99Milliseconds = 30 + Double(second)
            progress.counts.succeeded = 15 * second
            progress.counts.declined = 3 * second
            progress.declinesByCode = ["insufficient_funds": 2 * second, "do_not_honor": second]
            progress.challenged = second
            progress.webhooksDelivered = 30 * second
            progress.webhookBacklog = 5
            progress.ledgerTransfers = 40 * second
            progress.faultsActive = second == 2 ? ["network_outage visa"] : []
            return recorder.record(progress, rssBytes: 100 << 20, cpuSeconds: Double(second) / 4)
        }
    }

    @Test func theJourneysChartSaysWhatTheBoundCounts() throws {
        var report = Self.report()
        report.generator.maxInFlight = 61_440
        report.generator.maxInFlightSource = RunReport.GeneratorFigures.memoryBudgetSource
        report.generator.journeyBytesEstimate = 16_384
        report.generator.waitingJourneyBytesEstimate = 4_096
        let html = RunReportPage(report: report, rows: Self.rows(4), scenarioText: "").html()
        #expect(html.contains("The run&#39;s bound: 61,440 journeys, 4 waiting counting as one"))
        // Sending and waiting are stacked: the top of the two is the journeys in flight.
        #expect(html.contains("data-series=\"sending\"") && html.contains("data-series=\"waiting\""))

        report.generator.maxInFlight = 500
        report.generator.maxInFlightSource = "scenario"
        let set = RunReportPage(report: report, rows: Self.rows(4), scenarioText: "").html()
        #expect(set.contains("The run&#39;s bound: 500 journeys; arrivals beyond it are dropped"))
    }

    @Test func everyChartIsDrawnWithTheRunsData() throws {
        var report = Self.report()
        report.faultWindows = [FaultWindow(name: "network_outage visa", startSeconds: 1.5, endSeconds: 2.5)]
        report.stages = [
            RunReport.StageFigures(
                stage: 1, startSeconds: 0, endSeconds: 4, targetTPS: 20, due: 80, answered: 80,
                answeredToDueRatio: 1,
                judged: false)
        ]
        let html = RunReportPage(report: report, rows: Self.rows(4), scenarioText: "name: tiny").html()
        for id in RunReportPage.chartIDs {
            let start = try #require(html.range(of: "id=\"chart-\(id)\""), "chart \(id) missing")
            let figure = html[start.upperBound...].prefix { _ in true }
            let end = try #require(figure.range(of: "</figure>"))
            let svg = figure[..<end.lowerBound]
            #expect(svg.contains("<svg"), "chart \(id)")
            #expect(svg.contains("<polyline") || svg.contains("<polygon"), "chart \(id) draws no line")
            #expect(svg.contains("<circle class=\"point\""), "chart \(id) has no point")
            #expect(!svg.contains("No data yet"), "chart \(id)")
            // The fault window is shaded on every chart, with its name as hover text.
            #expect(svg.contains("class=\"band band-fault\""), "chart \(id) has no fault band")
        }
        #expect(html.contains("class=\"band band-stage\""))
        #expect(html.contains("data-series=\"insufficient_funds\""))
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        // Self-contained: nothing fetched from outside the file.
        #expect(!html.contains("<script"))
        #expect(!html.contains("src=\""))
        #expect(!html.contains("<link"))
        #expect(!html.contains("http://") || !html.contains("href=\"http"))
        #expect(html.contains("id=\"invariants\"") && html.contains("ledger_balances"))
        #expect(html.contains("id=\"thresholds\"") && html.contains("authorize_p99_ms"))
        #expect(html.contains("id=\"payouts\"") && html.contains("12.34"))
        #expect(html.contains("id=\"ledger\""))
        #expect(html.contains(">PASS<"))
    }

    @Test func theScenarioTextAndNamesAreEscaped() {
        let text = "name: x\ndescription: </pre><script>alert('x')</script> & \"quoted\""
        let html = RunReportPage(report: Self.report(), rows: Self.rows(2), scenarioText: text).html()
        #expect(!html.contains("<script>alert"))
        #expect(
            html.contains(
                "&lt;/pre&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;"))
        #expect(html.contains("paystorm run: tiny &lt;b&gt;"))
        #expect(!html.contains("tiny <b>"))
    }

    @Test func aRunWithoutRowsSaysSoInEveryChart() {
        let html = RunReportPage(report: Self.report(), rows: []).html()
        #expect(html.components(separatedBy: "No data yet").count - 1 == RunReportPage.chartIDs.count)
    }
}

@Suite struct SwarmAndCapacityPageTests {
    @Test func failingSeedsComeFirstWithTheirReplayCommand() {
        func seed(_ number: UInt64, failed: Bool) -> SwarmReportPage.Seed {
            SwarmReportPage.Seed(
                outcome: SwarmOutcome(
                    seed: number, digest: "d\(number)", faults: "network_outage visa",
                    firstViolation: failed ? "ledger_balances: <x>" : nil, payments: 100 + Int(number),
                    wallSeconds: 1),
                replay: "paystorm run s.yaml --mode simulated --seed \(number)")
        }
        let page = SwarmReportPage(
            title: "chaos", seeds: [seed(1, failed: false), seed(2, failed: true), seed(3, failed: false)],
            wallSeconds: 3)
        #expect(page.ordered.map(\.outcome.seed) == [2, 1, 3])
        let html = page.html()
        let failing = html.range(of: "--seed 2")?.lowerBound
        let passing = html.range(of: "--seed 1<")?.lowerBound
        #expect(failing != nil && passing != nil && failing! < passing!)
        #expect(html.contains("ledger_balances: &lt;x&gt;"))
        #expect(html.contains("1 of 3 seeds failed"))
        #expect(html.contains("id=\"chart-payments\""))
        #expect(html.contains("class=\"band band-fault\""))
    }

    @Test func theCapacityPageMarksTheHighestRateHeld() {
        let steps = [500.0, 1_000, 1_500, 2_000].map { offered in
            CapacityStep(
                scale: offered / 1_000, phase: .stepping, targetPeakTPS: offered, offeredTPS: offered,
                answeredTPS: min(offered, 1_600), answeredRatio: offered > 1_500 ? 0.8 : 1,
                authorizeP50Milliseconds: 10, authorizeP99Milliseconds: offered > 1_500 ? 4_000 : 90,
                cpuCores: offered / 1_000,
                residentMBMax: 200, shed: 0, droppedArrivals: 0,
                verdict: offered > 1_500 ? "SATURATED (stage 1)" : "PASS", held: offered <= 1_500)
        }
        let report = CapacityReport(
            scenario: "bf <i>", peakTPSAtScaleOne: 1_000, stepSeconds: 20, search: .standard,
            steps: steps.reversed())
        #expect(report.highestHeld?.offeredTPS == 1_500)
        let html = CapacityReportPage(report, scenarioText: "name: <x>").html()
        for id in CapacityReportPage.chartIDs {
            #expect(html.contains("id=\"chart-\(id)\""), "\(id)")
        }
        #expect(html.contains("highest held: 1,500 TPS offered"))
        #expect(html.contains("first failure at 2,000 TPS: SATURATED (stage 1)"))
        #expect(html.contains("paystorm capacity: bf &lt;i&gt;"))
        #expect(html.contains("name: &lt;x&gt;"))
        #expect(html.contains("class=\"band band-marker\""))
        let svg = CapacityKneeChart(report).kneeSVG()
        #expect(svg.contains("did not hold"))
        #expect(svg.components(separatedBy: "<circle").count - 1 == 8)
    }
}
