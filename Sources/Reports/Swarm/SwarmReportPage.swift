import Charts
import Scenarios

/// `paystorm swarm --report FILE.html`: every seed of a swarm in one table, the failing seeds
/// first, each with the faults it drew, its payments, its verdict and the command that replays
/// it; a chart of payments per seed with the failing seeds marked.
public struct SwarmReportPage: Sendable {
    /// One seed's row.
    public struct Seed: Sendable {
        public var outcome: SwarmOutcome
        /// The command that replays this seed exactly.
        public var replay: String

        public init(outcome: SwarmOutcome, replay: String) {
            self.outcome = outcome
            self.replay = replay
        }
    }

    public var title: String
    public var seeds: [Seed]
    public var wallSeconds: Double
    public var scenarioText: String?
    public var command: String?

    public init(
        title: String, seeds: [Seed], wallSeconds: Double, scenarioText: String? = nil, command: String? = nil
    ) {
        self.title = title
        self.seeds = seeds
        self.wallSeconds = wallSeconds
        self.scenarioText = scenarioText
        self.command = command
    }

    /// The rows in the table's order: failing seeds first, then by seed.
    public var ordered: [Seed] {
        seeds.sorted {
            ($0.outcome.failed ? 0 : 1, $0.outcome.seed) < ($1.outcome.failed ? 0 : 1, $1.outcome.seed)
        }
    }

    public func html() -> String {
        let e = HTMLDocument.escape
        let failed = seeds.filter(\.outcome.failed).count
        let payments = seeds.reduce(0) { $0 + $1.outcome.payments }
        var body = "<header><h1>paystorm swarm: \(e(title))</h1>"
        body +=
            "<p class=\"meta\">\(ReportNumber.count(seeds.count)) seeds · \(ReportNumber.count(payments)) payments · "
            + "\(ReportNumber.fixed(wallSeconds, 1)) s wall</p>"
        if let command { body += "<p class=\"meta\">command: <code>\(e(command))</code></p>" }
        body +=
            "<div class=\"verdict \(failed == 0 ? "pass" : "fail")\" id=\"verdict\">"
            + (failed == 0
                ? "every invariant held on every seed"
                : "\(ReportNumber.count(failed)) of \(ReportNumber.count(seeds.count)) seeds failed")
            + "</div></header>"

        let sorted = seeds.sorted { $0.outcome.seed < $1.outcome.seed }
        var chart = LineChart(
            title: "Payments per seed",
            series: [
                ChartSeries(
                    name: "payments",
                    points: sorted.map {
                        ChartPoint(
                            x: Double($0.outcome.seed), y: Double($0.outcome.payments),
                            label: "seed \($0.outcome.seed): \($0.outcome.payments) payments, "
                                + ($0.outcome.failed ? "FAILED" : "held"))
                    })
            ], xAxisTitle: "seed", yAxisTitle: "payments")
        chart.bands = sorted.filter(\.outcome.failed).map {
            ChartBand(
                kind: .fault, startX: Double($0.outcome.seed) - 0.5, endX: Double($0.outcome.seed) + 0.5,
                label: "seed \($0.outcome.seed) failed: \($0.outcome.firstViolation ?? "")")
        }
        chart.xTicksIntegral = true
        chart.widthPoints = 900
        body += HTMLDocument.section(
            id: "over-seeds", title: "Seeds",
            "<div class=\"charts\">"
                + HTMLDocument.figure(
                    id: "payments", chart.svg(), note: "Red: a seed that broke an invariant.")
                + "</div>")

        let table = HTMLTable(
            id: "seeds", headers: ["seed", "verdict", "faults drawn", "payments", "digest", "replay"],
            rows: ordered.map { seed in
                let outcome = seed.outcome
                return [
                    .number(String(outcome.seed)),
                    .init(
                        outcome.failed ? "✗ \(outcome.firstViolation ?? "")" : "✓ held",
                        cssClass: outcome.failed ? "fail" : "pass"),
                    .init(outcome.faults), .number(ReportNumber.count(outcome.payments)),
                    .code(outcome.digest),
                    .code(seed.replay),
                ]
            })
        body += HTMLDocument.section(id: "seed-table", title: "Every seed, failing first", table.html)
        if let scenarioText {
            body += HTMLDocument.section(
                id: "scenario", title: "Scenario", "<pre id=\"scenario-text\">\(e(scenarioText))</pre>")
        }
        return HTMLDocument.page(title: "paystorm swarm: \(title)", body: body)
    }
}
