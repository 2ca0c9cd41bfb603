import Scenarios

/// A capacity search on one page: the knee, the charts against offered rate, and the steps.
public struct CapacityReportPage: Sendable {
    public var report: CapacityReport
    public var scenarioText: String?
    public var command: String?

    public init(_ report: CapacityReport, scenarioText: String? = nil, command: String? = nil) {
        self.report = report
        self.scenarioText = scenarioText
        self.command = command
    }

    public static let chartIDs = ["knee", "capacity-latency", "capacity-cpu", "capacity-memory"]

    public func html() -> String {
        let e = HTMLDocument.escape
        let title = report.scenario
        let charts = CapacityKneeChart(report)
        var body = "<header><h1>paystorm capacity: \(e(title))</h1>"
        if let command { body += "<p class=\"meta\">command: <code>\(e(command))</code></p>" }
        if let knee = charts.knee {
            body +=
                "<div class=\"verdict pass\" id=\"verdict\">highest held: \(ReportNumber.fixed(knee.offeredTPS, 0)) TPS offered, "
                + "\(ReportNumber.fixed(knee.answeredTPS, 1)) answered, p99 \(ReportNumber.fixed(knee.authorizeP99Milliseconds, 1)) ms"
                + (report.knee.map {
                    ", first failure at \(ReportNumber.fixed($0.offeredTPS, 0)) TPS: \(e($0.verdict))"
                } ?? "")
                + "</div>"
        } else {
            body += "<div class=\"verdict fail\" id=\"verdict\">no step held</div>"
        }
        body += "</header>"
        body += HTMLDocument.section(
            id: "charts", title: "Against offered rate",
            "<div class=\"charts\">"
                + charts.charts().map { HTMLDocument.figure(id: $0.id, $0.chart.svg()) }.joined()
                + "</div>")
        let table = HTMLTable(
            id: "steps",
            headers: [
                "scale", "offered TPS", "answered TPS", "answered", "p50 ms", "p99 ms", "CPU cores", "RSS MB",
                "shed", "dropped", "verdict",
            ],
            rows: charts.steps.map { step in
                [
                    .number(ReportNumber.fixed(step.scale, 2)),
                    .number(ReportNumber.fixed(step.offeredTPS, 0)),
                    .number(ReportNumber.fixed(step.answeredTPS, 1)),
                    .number(ReportNumber.fixed(step.answeredRatio * 100, 1) + "%"),
                    .number(ReportNumber.fixed(step.authorizeP50Milliseconds, 1)),
                    .number(ReportNumber.fixed(step.authorizeP99Milliseconds, 1)),
                    .number(step.cpuCores.map { ReportNumber.fixed($0, 2) } ?? "–"),
                    .number(step.residentMBMax.map { ReportNumber.fixed($0, 0) } ?? "–"),
                    .number(String(step.shed)), .number(String(step.droppedArrivals)),
                    .init(step.verdict, cssClass: step.held ? "pass" : "fail"),
                ]
            })
        body += HTMLDocument.section(id: "step-table", title: "Steps", table.html)
        if let scenarioText {
            body += HTMLDocument.section(
                id: "scenario", title: "Scenario", "<pre id=\"scenario-text\">\(e(scenarioText))</pre>")
        }
        return HTMLDocument.page(title: "paystorm capacity: \(title)", body: body)
    }
}
