import Charts
import Scenarios

/// The knee of a capacity search as charts: answered against offered rate (with the line
/// where they are equal), latency against offered rate, and CPU and memory against offered
/// rate; the knee shaded on each, steps that did not hold named in their hover text.
public struct CapacityKneeChart: Sendable {
    public var steps: [CapacityStep]
    /// The step to mark: the highest rate held.
    public var knee: CapacityStep?

    public init(_ report: CapacityReport) {
        self.steps = report.steps.sorted { $0.offeredTPS < $1.offeredTPS }
        self.knee = report.highestHeld
    }

    /// The chart of answered against offered rate: the knee chart itself.
    public func kneeSVG() -> String { charts()[0].chart.svg() }

    /// Every chart: its id and the chart.
    func charts() -> [(id: String, chart: LineChart)] {
        func label(_ step: CapacityStep, _ what: String) -> String {
            "offered \(ReportNumber.fixed(step.offeredTPS, 0)) TPS: \(what)"
                + (step.held ? "" : " (did not hold)")
        }
        var bands: [ChartBand] = []
        if let knee {
            let width = max(1, (steps.last?.offeredTPS ?? 1) / 200)
            bands.append(
                ChartBand(
                    kind: .marker, startX: knee.offeredTPS - width, endX: knee.offeredTPS + width,
                    label: "highest held: \(ReportNumber.fixed(knee.offeredTPS, 0)) TPS offered"))
        }
        func chart(_ title: String, _ yTitle: String, _ series: [ChartSeries]) -> LineChart {
            var chart = LineChart(title: title, series: series, xAxisTitle: "offered TPS", yAxisTitle: yTitle)
            chart.bands = bands
            chart.yTickLabel = { ReportNumber.short($0) }
            chart.xTickLabel = { ReportNumber.short($0) }
            chart.widthPoints = 640
            chart.heightPoints = 280
            return chart
        }
        func series(
            _ name: String, _ value: (CapacityStep) -> Double, _ what: (CapacityStep) -> String
        ) -> ChartSeries {
            ChartSeries(
                name: name,
                points: steps.map { ChartPoint(x: $0.offeredTPS, y: value($0), label: label($0, what($0))) })
        }
        return [
            (
                "knee",
                chart(
                    "Answered against offered", "TPS",
                    [
                        series("offered", \.offeredTPS) {
                            "offered \(ReportNumber.fixed($0.offeredTPS, 0)) TPS"
                        },
                        series("answered", \.answeredTPS) {
                            "answered \(ReportNumber.fixed($0.answeredTPS, 1)) TPS"
                        },
                    ])
            ),
            (
                "capacity-latency",
                chart(
                    "Authorization latency against offered", "ms",
                    [
                        series("p50", \.authorizeP50Milliseconds) {
                            "p50 \(ReportNumber.fixed($0.authorizeP50Milliseconds, 1)) ms"
                        },
                        series("p99", \.authorizeP99Milliseconds) {
                            "p99 \(ReportNumber.fixed($0.authorizeP99Milliseconds, 1)) ms"
                        },
                    ])
            ),
            (
                "capacity-cpu",
                chart(
                    "CPU against offered", "cores",
                    [
                        series("CPU", { $0.cpuCores ?? 0 }) {
                            "\(ReportNumber.fixed($0.cpuCores ?? 0, 2)) cores"
                        }
                    ])
            ),
            (
                "capacity-memory",
                chart(
                    "Memory against offered", "RSS MB",
                    [
                        series("RSS", { $0.residentMBMax ?? 0 }) {
                            "RSS \(ReportNumber.fixed($0.residentMBMax ?? 0, 0)) MB"
                        }
                    ])
            ),
        ]
    }
}
