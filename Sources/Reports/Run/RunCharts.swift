import Charts
import Scenarios

/// The charts of a run's report, drawn from its time series: one x axis (run time) for all,
/// the fault windows shaded on each, the load's stages on the throughput chart.
struct RunCharts {
    var rows: [TimeSeriesRow]
    var stages: [RunReport.StageFigures]
    var faultWindows: [FaultWindow]

    /// Points a series keeps at most: a two-hour run draws a few hundred marks a line.
    static let pointsMax = 600
    /// Decline codes drawn one by one; the others are summed as "other".
    static let declineCodesMax = 6

    /// Every chart of the report: its id (`chart-ID` in the page) and what it shows.
    static let ids = [
        "tps", "latency", "outcomes", "declines", "fraud", "webhooks", "ledger", "memory", "cpu",
    ]

    var xDomain: ClosedRange<Double> {
        let end = max(
            rows.last?.seconds ?? 1, faultWindows.map(\.endSeconds).max() ?? 0, stages.last?.endSeconds ?? 0)
        return 0...max(1, end)
    }

    func charts() -> [(id: String, chart: LineChart, note: String)] {
        let long = xDomain.upperBound > 600
        let faultBands = faultWindows.map {
            ChartBand(
                kind: .fault, startX: $0.startSeconds, endX: $0.endSeconds,
                label: "\($0.name): \(ReportNumber.runTime($0.startSeconds, long: long)) to "
                    + ReportNumber.runTime($0.endSeconds, long: long))
        }
        let stageBands = stages.map {
            ChartBand(
                kind: .stage, startX: $0.startSeconds, endX: $0.endSeconds,
                label: "stage \($0.stage): \(ReportNumber.fixed($0.targetTPS, 0)) TPS")
        }
        func chart(
            _ title: String, _ yTitle: String, _ series: [ChartSeries], stacked: Bool = false,
            withStages: Bool = false
        ) -> LineChart {
            var chart = LineChart(title: title, series: series, xAxisTitle: "run time", yAxisTitle: yTitle)
            chart.xDomain = xDomain
            chart.isStacked = stacked
            chart.bands = (withStages ? stageBands : []) + faultBands
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
                .thinned(toAtMost: Self.pointsMax, by: reduction)
        }

        var declineCodes: [String: Double] = [:]
        for row in rows {
            for (code, rate) in row.declinesPerSecondByCode { declineCodes[code, default: 0] += rate }
        }
        let topCodes = declineCodes.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(
            Self.declineCodesMax
        )
        .map(\.key)
        var declineSeries = topCodes.map { code in line(code) { $0.declinesPerSecondByCode[code] ?? 0 } }
        if declineCodes.count > topCodes.count {
            declineSeries.append(
                line("other") { row in
                    row.declinesPerSecondByCode.filter { !topCodes.contains($0.key) }.values.reduce(0, +)
                })
        }

        return [
            (
                "tps",
                chart(
                    "Throughput: target against answered", "per second",
                    [
                        line("target TPS", \.targetTPS), line("dispatched", \.dispatchedPerSecond),
                        line("answered", \.answeredPerSecond),
                    ], withStages: true),
                "Arrivals the load profile asked for, sent and answered (any answer) per second of run time; "
                    + "bands are the load's stages, red the faults. Journeys in flight are in the time series "
                    + "(a manual capture holds its journey for hours: drawn here it would flatten the rates)."
            ),
            (
                "latency",
                chart(
                    "Authorization latency", "ms",
                    [
                        line("p50", \.authorizeP50Ms, .max), line("p90", \.authorizeP90Ms, .max),
                        line("p99", \.authorizeP99Ms, .max),
                    ]),
                "Percentiles of each second's authorizations (from the arrival's intended time to its answer)."
            ),
            (
                "outcomes",
                chart(
                    "Outcomes (stacked)", "journeys per second",
                    [
                        line("captured", \.capturedPerSecond), line("declined", \.declinedPerSecond),
                        line("blocked", \.blockedPerSecond), line("3DS abandoned", \.abandoned3DSPerSecond),
                        line("rate limited", \.rateLimitedPerSecond), line("shed", \.shedPerSecond),
                        line("amount refused", \.amountRefusedPerSecond), line("errors", \.errorsPerSecond),
                    ], stacked: true),
                "Journeys counted when they end (a manual capture ends later than its answer)."
            ),
            (
                "declines",
                chart("Declines by code", "per second", declineSeries),
                "Stripe's decline_code of each declined journey; the \(Self.declineCodesMax) most frequent drawn apart."
            ),
            (
                "fraud",
                chart(
                    "Fraud: blocked and challenged", "per second",
                    [
                        line("blocked", \.blockedPerSecond), line("challenged (3DS)", \.challengedPerSecond),
                        line("3DS abandoned", \.abandoned3DSPerSecond),
                    ]),
                "Payments the fraud engine blocked or stepped up to 3-D Secure."
            ),
            (
                "webhooks",
                chart(
                    "Webhooks and backlog", "per second / deliveries",
                    [
                        line("delivered", \.webhooksDeliveredPerSecond),
                        line("retries", \.webhookRetriesPerSecond),
                        line("dead-lettered", \.webhooksDeadLetteredPerSecond),
                        line("backlog", \.webhookBacklog, .max),
                        line("client retries", \.clientRetriesPerSecond),
                    ]),
                "Deliveries settled per second, attempts retried, dead letters; the backlog is what is owed and not "
                    + "yet settled at each instant."
            ),
            (
                "ledger",
                chart("Ledger transfers", "per second", [line("transfers", \.ledgerTransfersPerSecond)]),
                "Balanced transfers the ledger applied."
            ),
            (
                "memory",
                chart("Memory", "RSS MB", [line("RSS", \.rssMB, .max)]),
                "The process's resident memory."
            ),
            (
                "cpu",
                chart("CPU", "CPU s per run second", [line("user + system", \.cpuCores)]),
                "CPU seconds the process used per second of run time (realtime: cores busy; simulated: what a "
                    + "virtual second cost)."
            ),
        ]
    }
}
