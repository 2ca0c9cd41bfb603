/// A capacity search on one page: the knee, the charts against offered rate, and the steps.
public struct CapacityReportPage: Sendable {
    public var title: String
    public var steps: [CapacityStep]
    public var knee: CapacityStep?
    public var scenarioText: String?
    public var command: String?

    public init(
        title: String, steps: [CapacityStep], knee: CapacityStep? = nil, scenarioText: String? = nil,
        command: String? = nil
    ) {
        self.title = title
        self.steps = steps
        self.knee = knee
        self.scenarioText = scenarioText
        self.command = command
    }

    public static let chartIDs = ["knee", "capacity-latency", "capacity-cpu", "capacity-memory"]

    public func html() -> String {
        let e = HTMLDocument.escape
        let charts = CapacityKneeChart(steps: steps, knee: knee)
        var body = "<header><h1>paystorm capacity: \(e(title))</h1>"
        if let command { body += "<p class=\"meta\">command: <code>\(e(command))</code></p>" }
        if let knee = charts.knee {
            body +=
                "<div class=\"verdict pass\" id=\"verdict\">knee: \(ReportNumber.fixed(knee.offeredTPS, 0)) TPS offered, "
                + "\(ReportNumber.fixed(knee.answeredTPS, 1)) answered, p99 \(ReportNumber.fixed(knee.p99Ms, 1)) ms</div>"
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
            headers: ["offered TPS", "answered TPS", "p50 ms", "p99 ms", "CPU cores", "RSS MB", "held"],
            rows: charts.steps.map { step in
                [
                    .number(ReportNumber.fixed(step.offeredTPS, 0)),
                    .number(ReportNumber.fixed(step.answeredTPS, 1)),
                    .number(ReportNumber.fixed(step.p50Ms, 1)), .number(ReportNumber.fixed(step.p99Ms, 1)),
                    .number(ReportNumber.fixed(step.cpuCores, 2)),
                    .number(ReportNumber.fixed(Double(step.rssBytes) / 1_048_576, 0)),
                    .init(step.held ? "✓" : "✗", cssClass: step.held ? "pass" : "fail"),
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
