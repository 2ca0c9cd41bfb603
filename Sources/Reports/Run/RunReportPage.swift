import Charts
import Scenarios

/// `paystorm run --report FILE.html`: the run on one page. The verdict and the figures first,
/// then the run over time (throughput with the load's stages, latency, outcomes, declines,
/// fraud, webhooks, ledger, memory, CPU; fault windows shaded on every chart), the tables
/// (invariants, thresholds, counts, stages, payouts and ledger per currency, faults), and the
/// scenario file as it was run.
public struct RunReportPage: Sendable {
    public var report: RunReport
    public var rows: [TimeSeriesRow]
    /// The scenario file's text; shown escaped.
    public var scenarioText: String?
    public var scenarioPath: String?
    /// The command that ran it, to run it again.
    public var command: String?

    public init(
        report: RunReport, rows: [TimeSeriesRow], scenarioText: String? = nil, scenarioPath: String? = nil,
        command: String? = nil
    ) {
        self.report = report
        self.rows = rows
        self.scenarioText = scenarioText
        self.scenarioPath = scenarioPath
        self.command = command
    }

    /// Every chart's id, as `chart-ID` figures in the page.
    public static var chartIDs: [String] { RunCharts.ids }

    public func html() -> String {
        let e = HTMLDocument.escape
        let r = report
        var body = "<header><h1>paystorm run: \(e(r.scenario))</h1>"
        body +=
            "<p class=\"meta\">\(e(r.mode)) · seed \(r.seed) · \(ReportNumber.fixed(r.durationSeconds, 1)) s of run "
            + "time in \(ReportNumber.fixed(r.wallSeconds, 1)) s wall · digest <code>\(e(r.digest))</code></p>"
        if let command { body += "<p class=\"meta\">command: <code>\(e(command))</code></p>" }
        let verdictClass = r.verdict == "PASS" ? "pass" : r.invariantsHold ? "warn" : "fail"
        body += "<div class=\"verdict \(verdictClass)\" id=\"verdict\">\(e(r.verdict))</div></header>"
        body += HTMLDocument.section(id: "summary", title: "Summary", summaryTable().html)

        let charts = RunCharts(
            rows: rows, stages: r.stages, faultWindows: r.faultWindows, generator: r.generator
        ).charts()
        body += HTMLDocument.section(
            id: "over-time", title: "Over time",
            "<div class=\"charts\">"
                + charts.map { HTMLDocument.figure(id: $0.id, $0.chart.svg(), note: $0.note) }.joined()
                + "</div>")

        body += HTMLDocument.section(
            id: "checks", title: "Invariants and thresholds",
            "<div class=\"tables\">" + invariantsTable().html + thresholdsTable().html + "</div>")
        body += HTMLDocument.section(
            id: "counts", title: "Counts",
            "<div class=\"tables\">" + countsTable().html + stagesTable().html + webhooksTable().html
                + declinesTable().html + "</div>")
        body += HTMLDocument.section(
            id: "money", title: "Payouts and ledger per currency",
            "<div class=\"tables\">" + payoutsTable().html + ledgerTable().html + "</div>")
        body += HTMLDocument.section(id: "faults", title: "Faults", faultsTable().html)
        if let scenarioText {
            body += HTMLDocument.section(
                id: "scenario", title: "Scenario" + (scenarioPath.map { ": \($0)" } ?? ""),
                "<pre id=\"scenario-text\">\(e(scenarioText))</pre>")
        }
        return HTMLDocument.page(title: "paystorm run: \(r.scenario) (seed \(r.seed))", body: body)
    }

    private func summaryTable() -> HTMLTable {
        let r = report
        let l = r.latencyMilliseconds
        var rows: [[HTMLTable.Cell]] = [
            [.init("payments"), .number(ReportNumber.count(r.payments.attempted))],
            [.init("captured"), .number(ReportNumber.count(r.payments.succeeded))],
            [
                .init("throughput"),
                .init(
                    "achieved \(ReportNumber.fixed(r.tps.achievedAverage, 1)) TPS on average (target "
                        + "\(ReportNumber.fixed(r.tps.targetAverage, 1)), peak target \(ReportNumber.fixed(r.tps.targetPeak, 0)))"
                ),
            ],
            [
                .init("peak stage"),
                .init(
                    "answered \(ReportNumber.fixed(r.tps.achievedPeak, 1)) TPS, "
                        + "\(ReportNumber.fixed(r.tps.peakAnsweredToDueRatio * 100, 2))% of the arrivals due"),
            ],
            [
                .init("authorize"),
                .init(
                    "p50 \(ReportNumber.fixed(l.p50, 1)) ms · p90 \(ReportNumber.fixed(l.p90, 1)) · "
                        + "p99 \(ReportNumber.fixed(l.p99, 1)) · p99.9 \(ReportNumber.fixed(l.p999, 1)) · "
                        + "max \(ReportNumber.fixed(l.max, 1))"),
            ],
        ]
        if let memory = r.memory {
            rows.append([
                .init("memory"),
                .init(
                    "RSS \(ReportNumber.fixed(memory.residentMBAtEnd, 0)) MB at the end, "
                        + "\(ReportNumber.fixed(memory.residentMBMax, 0)) MB max"),
            ])
        }
        if let cpu = r.cpu {
            rows.append([
                .init("cpu"),
                .init(
                    "\(ReportNumber.fixed(cpu.userSeconds, 1)) s user + \(ReportNumber.fixed(cpu.systemSeconds, 1)) s "
                        + "system, \(ReportNumber.fixed(cpu.cores, 2)) of one core"),
            ])
        }
        return HTMLTable(id: "summary-table", headers: ["", ""], rows: rows)
    }

    private func invariantsTable() -> HTMLTable {
        HTMLTable(
            id: "invariants", headers: ["invariant", "held", "violations", "first examples"],
            rows: report.invariants.map { invariant in
                [
                    .code(invariant.name),
                    .init(invariant.holds ? "✓" : "✗", cssClass: invariant.holds ? "pass" : "fail"),
                    .number(ReportNumber.count(invariant.violations)),
                    .init(invariant.examples.joined(separator: "; ")),
                ]
            })
    }

    private func thresholdsTable() -> HTMLTable {
        HTMLTable(
            id: "thresholds", headers: ["threshold", "condition", "actual", "passed"],
            rows: report.thresholds.map { threshold in
                [
                    .code(threshold.metric), .init(threshold.condition),
                    .number(threshold.value.map { ReportNumber.fixed($0, 3) } ?? "no figure"),
                    .init(threshold.passed ? "✓" : "✗", cssClass: threshold.passed ? "pass" : "fail"),
                ]
            })
    }

    private func countsTable() -> HTMLTable {
        let p = report.payments
        let figures: [(String, Int)] = [
            ("attempted", p.attempted), ("captured", p.succeeded), ("authorized only", p.authorizedOnly),
            ("declined", p.declined), ("blocked", p.blocked), ("challenged (3DS)", report.fraud.challenged),
            ("3DS abandoned", p.abandoned3DS), ("rate limited", p.rateLimited),
            ("shed at the in-flight bound", report.generator.droppedArrivals),
            ("amount refused", p.amountRefused),
            ("errors", p.errors), ("voided", p.voided), ("expired", p.expired),
            ("refunded in full", p.refundedFull),
            ("refunded in part", p.refundedPartial), ("disputed", p.disputed),
            ("timeouts resolved", p.timeoutsResolved), ("idempotent replays", p.idempotentReplays),
            ("client retries", p.clientRetries),
        ]
        return HTMLTable(
            id: "counts-table", headers: ["payments", "count"],
            rows: figures.map { [.init($0.0), .number(ReportNumber.count($0.1))] })
    }

    private func stagesTable() -> HTMLTable {
        HTMLTable(
            id: "stages", headers: ["stage", "from", "to", "target TPS", "due", "answered in time", "ratio"],
            rows: report.stages.map { stage in
                [
                    .number(String(stage.stage)), .number(ReportNumber.fixed(stage.startSeconds, 0) + " s"),
                    .number(ReportNumber.fixed(stage.endSeconds, 0) + " s"),
                    .number(ReportNumber.fixed(stage.targetTPS, 0)), .number(ReportNumber.count(stage.due)),
                    .number(ReportNumber.count(stage.answered)),
                    .number(
                        ReportNumber.fixed(stage.answeredToDueRatio * 100, 1) + "%"
                            + (stage.judged ? "" : " (not judged)")),
                ]
            })
    }

    private func webhooksTable() -> HTMLTable {
        let w = report.webhooks
        let figures: [(String, Int)] = [
            ("events", w.events), ("delivered", w.delivered), ("retried", w.retried),
            ("dead-lettered", w.deadLettered), ("pending", w.pending),
            ("duplicates ignored", w.duplicatesIgnored),
        ]
        return HTMLTable(
            id: "webhooks", headers: ["webhooks", "count"],
            rows: figures.map { [.init($0.0), .number(ReportNumber.count($0.1))] })
    }

    private func declinesTable() -> HTMLTable {
        HTMLTable(
            id: "declines", headers: ["decline code", "count"],
            rows: report.declines.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map {
                [.code($0.key), .number(ReportNumber.count($0.value))]
            })
    }

    private func payoutsTable() -> HTMLTable {
        HTMLTable(
            id: "payouts", headers: ["currency", "paid out", "payouts"],
            rows: report.settlement.map {
                [.init($0.currency), .number($0.amount), .number(ReportNumber.count($0.payouts))]
            })
    }

    private func ledgerTable() -> HTMLTable {
        HTMLTable(
            id: "ledger", headers: ["currency", "debits", "credits", "imbalance", "transfers"],
            rows: report.ledger.map {
                [
                    .init($0.currency), .number($0.debits), .number($0.credits),
                    .init($0.imbalance, cssClass: Self.isZero($0.imbalance) ? "num pass" : "num fail"),
                    .number(ReportNumber.count($0.transfers)),
                ]
            })
    }

    private func faultsTable() -> HTMLTable {
        HTMLTable(
            id: "fault-windows", headers: ["fault", "from", "to"],
            rows: report.faultWindows.isEmpty
                ? [[.init("no fault on for this seed"), .init(""), .init("")]]
                : report.faultWindows.map {
                    [
                        .code($0.name), .number(ReportNumber.fixed($0.startSeconds, 1) + " s"),
                        .number(ReportNumber.fixed($0.endSeconds, 1) + " s"),
                    ]
                })
    }

    /// Whether a decimal amount's text is zero ("0", "0.00", "-0.000").
    static func isZero(_ decimal: String) -> Bool {
        decimal.allSatisfy { "-0.".contains($0) }
    }
}
