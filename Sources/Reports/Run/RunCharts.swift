import Charts
import Scenarios

/// The charts of a run's report, drawn from its time series: one x axis (run time) for all,
/// the fault windows shaded on each, the load's stages on the throughput chart.
struct RunCharts {
    var rows: [TimeSeriesRow]
    var stages: [RunReport.StageFigures]
    var faultWindows: [FaultWindow]
    /// The run's bound on journeys in flight, for the journeys chart's note.
    var generator: RunReport.GeneratorFigures?

    /// Points a series keeps at most: a two-hour run draws a few hundred marks a line.
    static let pointsMax = 600
    /// Decline codes drawn one by one; the others are summed as "other".
    static let declineCodesMax = 6

    /// Every chart of the report: its id (`chart-ID` in the page) and what it shows.
    static let ids = [
        "tps", "journeys", "latency", "outcomes", "declines", "fraud", "webhooks", "ledger", "memory", "cpu",
    ]

    var xDomain: ClosedRange<Double> {
        let end = max(
            rows.last?.seconds ?? 1, faultWindows.map(\.endSeconds).max() ?? 0, stages.last?.endSeconds ?? 0)
        return 0...max(1, end)
    }

    /// A chart's frame: the shared x axis, the fault windows (and the load's stages) as bands.
    private struct Frame {
        let xDomain: ClosedRange<Double>
        let long: Bool
        let faultBands: [ChartBand]
        let stageBands: [ChartBand]
        let rows: [TimeSeriesRow]

        func chart(
            _ title: String, _ yTitle: String, _ series: [ChartSeries], stacked: Bool = false,
            withStages: Bool = false
        ) -> LineChart {
            var chart = LineChart(title: title, series: series, xAxisTitle: "run time", yAxisTitle: yTitle)
            chart.xDomain = xDomain
            chart.isStacked = stacked
            chart.bands = (withStages ? stageBands : []) + faultBands
            let long = self.long
            chart.xTickLabel = { ReportNumber.runTime($0, long: long) }
            chart.yTickLabel = { ReportNumber.short($0) }
            chart.widthPoints = 640
            chart.heightPoints = 280
            return chart
        }

        func line(
            _ name: String, _ value: (TimeSeriesRow) -> Double, _ reduction: ChartSeries.Reduction = .mean
        ) -> ChartSeries {
            ChartSeries(name: name, points: rows.map { ChartPoint(x: $0.seconds, y: value($0)) })
                .thinned(toAtMost: RunCharts.pointsMax, by: reduction)
        }
    }

    private var frame: Frame {
        let long = xDomain.upperBound > 600
        return Frame(
            xDomain: xDomain, long: long,
            faultBands: faultWindows.map {
                ChartBand(
                    kind: .fault, startX: $0.startSeconds, endX: $0.endSeconds,
                    label: "\($0.name): \(ReportNumber.runTime($0.startSeconds, long: long)) to "
                        + ReportNumber.runTime($0.endSeconds, long: long))
            },
            stageBands: stages.map {
                ChartBand(
                    kind: .stage, startX: $0.startSeconds, endX: $0.endSeconds,
                    label: "stage \($0.stage): \(ReportNumber.fixed($0.targetTPS, 0)) TPS")
            }, rows: rows)
    }

    func charts() -> [(id: String, chart: LineChart, note: String)] {
        let frame = self.frame
        return loadCharts(frame) + systemCharts(frame)
    }

    /// The most frequent decline codes one line each, the others summed as "other".
    private func declineSeries(_ frame: Frame) -> [ChartSeries] {
        var declineCodes: [String: Double] = [:]
        for row in rows {
            for (code, rate) in row.declinesPerSecondByCode { declineCodes[code, default: 0] += rate }
        }
        let topCodes = declineCodes.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(
            Self.declineCodesMax
        )
        .map(\.key)
        var series = topCodes.map { code in frame.line(code) { $0.declinesPerSecondByCode[code] ?? 0 } }
        if declineCodes.count > topCodes.count {
            series.append(
                frame.line("other") { row in
                    row.declinesPerSecondByCode.filter { !topCodes.contains($0.key) }.values.reduce(0, +)
                })
        }
        return series
    }

    /// Throughput, latency, outcomes and declines.
    private func loadCharts(_ frame: Frame) -> [(id: String, chart: LineChart, note: String)] {
        let declines = declineSeries(frame)
        return [
            (
                "tps",
                frame.chart(
                    "Throughput: target against answered", "per second",
                    [
                        frame.line("target TPS", \.targetTPS),
                        frame.line("dispatched", \.dispatchedPerSecond),
                        frame.line("answered", \.answeredPerSecond),
                    ], withStages: true),
                "Arrivals the load profile asked for, sent and answered (any answer) per second of run time; "
                    + "bands are the load's stages, red the faults."
            ),
            (
                "journeys",
                frame.chart(
                    "Journeys in flight (stacked)", "journeys",
                    [
                        frame.line("sending", { $0.inFlight - $0.inFlightWaiting }, .max),
                        frame.line("waiting", \.inFlightWaiting, .max),
                    ], stacked: true, withStages: true),
                "Journeys started and not yet ended at each instant: those sending a request (or between "
                    + "two), and those waiting for their next step (a later capture, refund, dispute). "
                    + boundNote
            ),
            (
                "latency",
                frame.chart(
                    "Authorization latency", "ms",
                    [
                        frame.line("p50", \.authorizeP50Milliseconds, .max),
                        frame.line("p90", \.authorizeP90Milliseconds, .max),
                        frame.line("p99", \.authorizeP99Milliseconds, .max),
                    ]),
                "Percentiles of each second's authorizations (from the arrival's intended time to its answer)."
            ),
            (
                "outcomes",
                frame.chart(
                    "Outcomes (stacked)", "journeys per second",
                    [
                        frame.line("captured", \.capturedPerSecond),
                        frame.line("declined", \.declinedPerSecond),
                        frame.line("blocked", \.blockedPerSecond),
                        frame.line("3DS abandoned", \.abandoned3DSPerSecond),
                        frame.line("rate limited", \.rateLimitedPerSecond),
                        frame.line("shed", \.shedPerSecond),
                        frame.line("amount refused", \.amountRefusedPerSecond),
                        frame.line("errors", \.errorsPerSecond),
                    ], stacked: true),
                "Journeys counted when they end (a manual capture ends later than its answer)."
            ),
            (
                "declines",
                frame.chart("Declines by code", "per second", declines),
                "Stripe's decline_code of each declined journey; the \(Self.declineCodesMax) most frequent drawn apart."
            ),
        ]
    }

    /// What the journeys chart says of the run's in-flight bound.
    private var boundNote: String {
        guard let bound = generator?.maxInFlight else { return "" }
        let counting =
            generator?.waitingJourneysPerJourney.map { ", \($0) waiting counting as one" } ?? ""
        return "The run's bound: \(ReportNumber.count(bound)) journeys\(counting); arrivals beyond it are "
            + "dropped, never sent (\"shed\" among the outcomes)."
    }

    /// Fraud, webhooks, the ledger, memory and CPU.
    private func systemCharts(_ frame: Frame) -> [(id: String, chart: LineChart, note: String)] {
        [
            (
                "fraud",
                frame.chart(
                    "Fraud: blocked and challenged", "per second",
                    [
                        frame.line("blocked", \.blockedPerSecond),
                        frame.line("challenged (3DS)", \.challengedPerSecond),
                        frame.line("3DS abandoned", \.abandoned3DSPerSecond),
                    ]),
                "Payments the fraud engine blocked or stepped up to 3-D Secure."
            ),
            (
                "webhooks",
                frame.chart(
                    "Webhooks and backlog", "per second / deliveries",
                    [
                        frame.line("delivered", \.webhooksDeliveredPerSecond),
                        frame.line("retries", \.webhookRetriesPerSecond),
                        frame.line("dead-lettered", \.webhooksDeadLetteredPerSecond),
                        frame.line("backlog", \.webhookBacklog, .max),
                        frame.line("client retries", \.clientRetriesPerSecond),
                    ]),
                "Deliveries settled per second, attempts retried, dead letters; the backlog is what is owed and not "
                    + "yet settled at each instant."
            ),
            (
                "ledger",
                frame.chart(
                    "Ledger transfers", "per second", [frame.line("transfers", \.ledgerTransfersPerSecond)]),
                "Balanced transfers the ledger applied."
            ),
            (
                "memory",
                frame.chart("Memory", "RSS MB", [frame.line("RSS", \.rssMegabytes, .max)]),
                "The process's resident memory."
            ),
            (
                "cpu",
                frame.chart("CPU", "CPU s per run second", [frame.line("user + system", \.cpuCores)]),
                "CPU seconds the process used per second of run time (realtime: cores busy; simulated: what a "
                    + "virtual second cost)."
            ),
        ]
    }
}
