import ArgumentParser
import Foundation
import Journal
import PaystormRuntime
import Reports
import Scenarios
import Services

/// `paystorm run FILE`: runs a scenario and prints a k6-style summary; exit 0 when every
/// invariant and threshold held, 1 on a violated invariant, 2 on bad input, 3 on a failed
/// threshold.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a scenario file and check every invariant and threshold.")

    @Argument(help: "Scenario file (YAML).") var file: String
    @Option(help: "realtime (wall clock, all cores) or simulated (virtual time, deterministic).")
    var mode: String = "simulated"
    @Option(help: "Stretch or compress the whole load profile to this length, e.g. 60s or 2m.")
    var duration: String?
    @Option(help: "Multiply every rate by this factor.") var scale: Double?
    @Option(
        help: "Drop (and count) arrivals while this many journeys are in flight, instead of queueing them.")
    var maxInFlight: Int?
    @Option(help: "Override the scenario's seed.") var seed: UInt64?
    @Option(help: "Also write the report as JSON to this path.") var json: String?
    @Option(
        help: ArgumentHelp(
            "Journal every change and answer before acknowledging it: none, memory, file:PATH "
                + "(a directory, realtime mode only; check it with `paystorm recover`). Default none: a memory journal "
                + "without snapshots keeps every record of the run; with --snapshot-every it stays "
                + "bounded (the fold forgets retired payments) but costs about a third more CPU and "
                + "memory than none."))
    var journal: String = "none"
    @Option(help: ArgumentHelp(JournalKeyInput.help)) var journalKey: String?
    @Option(
        help: ArgumentHelp(
            "With a journal: write a recovery snapshot every N records (0: none), so that recovery "
                + "replays only the records after it; a memory journal then drops the records a "
                + "snapshot covers. Default \(RunCommand.snapshotEveryDefault) with --journal file:PATH, "
                + "0 with --journal memory (the fold and its snapshots hold the payments in flight, "
                + "but the checkpointer costs about a third more CPU: ask for it)."))
    var snapshotEvery: Int?
    @Flag(
        help: ArgumentHelp(
            "With --journal file:PATH on a directory that holds a journal: rebuild the system from it "
                + "and go on appending (without it, a non-empty directory is refused)."))
    var resume = false
    @Option(
        help: ArgumentHelp(
            "Write one line per successful answer a client received (payment id, amount captured), "
                + "each with its own write(2): what a crash test compares `paystorm recover` with."))
    var acknowledgements: String?
    @Option(
        help: ArgumentHelp(
            "Write the run's ordered event trace to this path, one JSON object a line (virtual time, "
                + "component, event, ids): the same seed in simulated mode writes the same bytes."))
    var trace: String?
    @Option(
        help: ArgumentHelp(
            "Realtime only: answer Prometheus scrapes of the run's metrics on this host:port "
                + "(e.g. 127.0.0.1:9464/metrics) while it runs."))
    var metricsAddress: String?
    @Option(
        help: ArgumentHelp(
            "Write every balance transaction of the run (charges, refunds, dispute adjustments, "
                + "payouts: Stripe's shape) to this path as it is made: CSV, or one JSON object a line "
                + "when the name ends in .jsonl or .json."))
    var balanceTransactions: String?
    @Option(
        help: ArgumentHelp(
            "Write one row per second of run time (offered and answered rates, in flight, that "
                + "second's authorization p50/p90/p99, outcomes, declines by code, webhooks and their "
                + "backlog, ledger transfers, RSS, CPU, the faults on) to this path: CSV, or one JSON "
                + "object a line when the name ends in .jsonl or .json."))
    var timeseries: String?
    @Option(
        help: ArgumentHelp(
            "Realtime only: send every journey through Stripe's HTTP API at this URL (a running "
                + "`paystorm serve`, e.g. http://127.0.0.1:4242) instead of the in-process system, and "
                + "check the invariants from outside."))
    var target: String?
    @Option(
        help: ArgumentHelp(
            "Write the run as one self-contained HTML page (charts over time with the stages and "
                + "fault windows, the invariants, thresholds, counts, payouts and ledger per "
                + "currency, the scenario file) to this path."))
    var report: String?
    /// A measuring knob over the wire (PERFORMANCE.md): NIO's event loops, default one per core.
    @Option(help: .hidden) var eventLoops: Int?

    func run() async throws {
        guard let mode = RunMode(rawValue: mode) else {
            printError("paystorm run: --mode must be realtime or simulated, not \(mode)")
            throw ExitCode(ExitStatus.badInput)
        }
        if mode == .realtime { configureAllocatorForRealtime() }
        let scenario = try loadScenario()
        let series = try openTimeSeries()
        defer { series?.close() }
        // Rows are kept only for the HTML page; the file alone needs each row once.
        let recorder =
            timeseries == nil && report == nil
            ? nil : TimeSeriesRecorder(rowsMax: report == nil ? 0 : TimeSeriesRecorder.rowsMaxDefault)
        if let target {
            try await runOverWire(
                scenario, mode: mode, target: target, recorder: recorder, timeseries: series)
            return
        }
        if let snapshotEvery, snapshotEvery < 0 {
            printError("paystorm run: --snapshot-every must be 0 (no snapshots) or a number of records")
            throw ExitCode(ExitStatus.badInput)
        }
        let snapshotRecords =
            journal == "none" || (journal == "memory" && snapshotEvery == nil)
            ? 0 : (snapshotEvery ?? Self.snapshotEveryDefault)
        let runJournal = try openJournal(mode: mode, snapshotRecords: snapshotRecords)
        let key: [UInt8]?
        do {
            key = try JournalKeyInput.load(journalKey)
        } catch {
            printError("paystorm run: \(error)")
            throw ExitCode(ExitStatus.badInput)
        }
        var acknowledgementLog: AcknowledgementLog?
        if let acknowledgements {
            do {
                acknowledgementLog = try AcknowledgementLog(path: acknowledgements)
            } catch {
                printError("paystorm run: --acknowledgements: \(error)")
                throw ExitCode(ExitStatus.badInput)
            }
        }
        defer { acknowledgementLog?.close() }
        let eventTrace = trace.map { _ in EventTrace() }
        let metricsListener = try startMetricsListener(mode: mode)
        defer { metricsListener?.cancel() }
        var export: BalanceTransactionFile?
        if let balanceTransactions {
            do {
                export = try BalanceTransactionFile(path: balanceTransactions)
            } catch {
                printError("paystorm run: --balance-transactions: \(error)")
                throw ExitCode(ExitStatus.badInput)
            }
        }
        let runReport: RunReport
        do {
            runReport = try await Self.execute(
                scenario, mode: mode, journal: runJournal, trace: eventTrace, resume: resume,
                acknowledgements: acknowledgementLog, journalKey: key,
                snapshotEvery: snapshotRecords > 0 ? snapshotRecords : nil, balanceTransactions: export?.sink,
                recorder: recorder, timeseries: series)
        } catch let error where resume {
            // Resuming failed (an undecodable record, a wrong key): the journal is left as it was.
            await runJournal?.close()
            printError("paystorm run: --resume: \(error)")
            throw ExitCode(ExitStatus.badInput)
        }
        try writeTrace(eventTrace)
        try await closeOutputs(export: export, journal: runJournal)
        try finish(runReport, recorder: recorder)
    }

    /// What every run ends with, in process or over the wire: the summary, the page, the JSON,
    /// and the exit code of the verdict.
    func finish(_ report: RunReport, recorder: TimeSeriesRecorder?) throws {
        print(RunSummary(report: report).text)
        try writeReportPage(report, recorder: recorder)
        if let json {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            do {
                try encoder.encode(report).write(to: URL(fileURLWithPath: json))
            } catch {
                printError("paystorm run: cannot write \(json): \(error)")
                throw ExitCode(ExitStatus.badInput)
            }
        }
        if !report.invariantsHold { throw ExitCode(ExitStatus.invariantViolated) }
        if !report.thresholdsPass { throw ExitCode(ExitStatus.thresholdFailed) }
    }

    /// `--report`: the run as one HTML page, from the report and the rows the recorder kept.
    func writeReportPage(_ report: RunReport, recorder: TimeSeriesRecorder?) throws {
        guard let path = self.report, let recorder else { return }
        let page = RunReportPage(
            report: report, rows: recorder.rows,
            scenarioText: try? String(contentsOfFile: file, encoding: .utf8), scenarioPath: file,
            command: (["paystorm"] + CommandLine.arguments.dropFirst()).joined(separator: " "))
        do {
            try Data(page.html().utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            printError("paystorm run: cannot write \(path): \(error)")
            throw ExitCode(ExitStatus.badInput)
        }
        printError("report: \(path)")
    }

    static let fileJournalInSimulatedMode =
        "paystorm run: --journal file:PATH needs --mode realtime: a file journal syncs on its own "
        + "thread on the wall clock while simulated time jumps ahead, so its completions land at "
        + "times the seed does not decide and the run could not be replayed to the same digest "
        + "(use --mode realtime with a file journal, or --journal memory in simulated mode)"

    /// Records between recovery snapshots when a run journals to a file and does not say:
    /// recovery then replays at most this many records after the snapshot (see PERFORMANCE.md
    /// for what a snapshot costs). Not the default for a memory journal: the fold now forgets
    /// retired payments and stays bounded, but on the 10- and 20-minute soaks the checkpointer
    /// costs about 35% more CPU and ends about 38% above `--journal none` in RSS.
    static let snapshotEveryDefault = 250_000

    /// The default memory journal holds at most this many records (about a few GB): a run
    /// longer than that fails its appends with a typed error instead of exhausting memory.
    static let memoryJournalRecordsMax = 20_000_000

    /// Why a journal location cannot be used as asked.
    struct ResumeError: Error, CustomStringConvertible {
        let description: String
    }

    /// A file journal directory that already holds files is another run's journal: appending a
    /// fresh system's records to it would mix two histories that recovery cannot tell apart.
    /// It is used only with `--resume`; `--resume` needs such a directory.
    /// - Throws: `ResumeError` naming the directory and what to do.
    static func checkResumable(_ location: JournalLocation, resume: Bool) throws {
        guard case .file(let path) = location else {
            if resume { throw ResumeError(description: "--resume needs --journal file:PATH, not memory") }
            return
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        if !entries.isEmpty && !resume {
            throw ResumeError(
                description:
                    "--journal file:\(path): the directory is not empty (\(entries.count) entries, e.g. "
                    + "\(entries.sorted()[0])); a fresh run would append to another run's journal. "
                    + "Pass --resume to go on from its recovered state, or give an empty directory")
        }
        if entries.isEmpty && resume {
            throw ResumeError(
                description: "--resume: --journal file:\(path) holds no journal to resume from")
        }
    }

    /// Serves `/metrics` on `--metrics-address` for the length of a realtime run (a simulated
    /// run's time is virtual: a scrape would see minutes pass in a second).
    private func startMetricsListener(mode: RunMode) throws -> Task<Void, any Error>? {
        guard let metricsAddress else { return nil }
        guard mode == .realtime else {
            printError("paystorm run: --metrics-address needs --mode realtime")
            throw ExitCode(ExitStatus.badInput)
        }
        guard let address = PrometheusMetrics.address(metricsAddress) else {
            printError(
                "paystorm run: --metrics-address \(metricsAddress): give host:port, e.g. 127.0.0.1:9464")
            throw ExitCode(ExitStatus.badInput)
        }
        let metrics = PrometheusMetrics.bootstrap()
        return Task { try await metrics.serve(host: address.host, port: address.port) }
    }

    /// What a run does with each second's progress report: the load's metrics, the time
    /// series row (for `--timeseries` and `--report`) and the terminal's progress line.
    static func progressHandler(
        recorder: TimeSeriesRecorder?, timeseries: TimeSeriesFile?, line: ProgressLine.Mode
    ) -> @Sendable (RunProgress) -> Void {
        let metrics = LoadMetrics()
        return { progress in
            metrics.record(progress)
            if let recorder {
                let cpu = ProcessCPU.seconds().map { $0.user + $0.system } ?? 0
                let row = recorder.record(progress, rssBytes: ResidentMemory.bytes(), cpuSeconds: cpu)
                timeseries?.write(row)
            }
            drawProgress(
                "\(DurationText.format(progress.elapsed)) target \(Int(progress.targetTPS)) TPS · "
                    + "\(progress.attempted) sent · \(progress.inFlight) in flight "
                    + "(\(progress.waiting) waiting) · "
                    + "p99 \(Int(progress.p99Milliseconds)) ms · \(progress.violations) violations"
                    + (progress.faultsActive.isEmpty
                        ? "" : " · faults: " + progress.faultsActive.joined(separator: ", ")),
                line)
        }
    }

    /// Off the main actor: load comes from pool tasks (realtime) or the deterministic executor
    /// driven on this pool thread (simulated).
    @concurrent
    private static func execute(
        _ scenario: Scenario, mode: RunMode, journal: (any Journal)?, trace: EventTrace?, resume: Bool,
        acknowledgements: AcknowledgementLog?, journalKey: [UInt8]?, snapshotEvery: Int?,
        balanceTransactions: BalanceTransactionLog.Sink?, recorder: TimeSeriesRecorder?,
        timeseries: TimeSeriesFile?
    ) async throws -> RunReport {
        let line = progressLineMode
        let report = try await ScenarioRunner.run(
            scenario, mode: mode, journal: journal, trace: trace, resume: resume,
            acknowledgements: acknowledgements, journalKey: journalKey, snapshotEvery: snapshotEvery,
            progress: progressHandler(recorder: recorder, timeseries: timeseries, line: line),
            balanceTransactions: balanceTransactions)
        finishProgress(line)
        return report
    }
}
