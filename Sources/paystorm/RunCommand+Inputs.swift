import ArgumentParser
import Foundation
import Journal
import PaystormRuntime
import Scenarios

extension RunCommand {
    /// The scenario file as the flags shape it (duration, scale, seed, in-flight bound).
    /// - Throws: `ExitCode(badInput)` after printing what is wrong.
    func loadScenario() throws -> Scenario {
        var scenario = try ScenarioInput.load(
            file, duration: duration, command: "run", durationExamples: "60s, 5m or 1h30m")
        if let scale {
            guard scale > 0, scale <= 1_000 else {
                printError("paystorm run: --scale must be in (0, 1000]")
                throw ExitCode(ExitStatus.badInput)
            }
            scenario = scenario.scaled(by: scale)
        }
        if let problem = ScenarioLimits.problem(with: scenario) {
            printError("paystorm run: with --duration and --scale, \(problem)")
            throw ExitCode(ExitStatus.badInput)
        }
        if let seed { scenario.seed = seed }
        if let maxInFlight {
            guard (1...10_000_000).contains(maxInFlight) else {
                printError("paystorm run: --max-in-flight must be in 1...10000000")
                throw ExitCode(ExitStatus.badInput)
            }
            scenario.load.maxInFlight = maxInFlight
        }
        return scenario
    }

    /// `--timeseries`' file, opened; and `--report`'s path, checked writable before the run.
    /// - Throws: `ExitCode(badInput)` after printing what is wrong.
    func openTimeSeries() throws -> TimeSeriesFile? {
        var series: TimeSeriesFile?
        if let timeseries {
            do {
                series = try TimeSeriesFile(path: timeseries)
            } catch {
                printError("paystorm run: --timeseries: cannot write \(timeseries): \(error)")
                throw ExitCode(ExitStatus.badInput)
            }
        }
        if let report, !FileManager.default.createFile(atPath: report, contents: nil) {
            series?.close()
            printError("paystorm run: --report: cannot write \(report)")
            throw ExitCode(ExitStatus.badInput)
        }
        return series
    }

    /// The journal `--journal` names, opened (nil for `none`).
    /// - Throws: `ExitCode(badInput)` after printing what is wrong.
    func openJournal(mode: RunMode, snapshotRecords: Int) throws -> (any Journal)? {
        var runJournal: (any Journal)?
        if journal == "none" {
            if resume {
                printError("paystorm run: --resume needs --journal file:PATH")
                throw ExitCode(ExitStatus.badInput)
            }
            if let snapshotEvery, snapshotEvery > 0 {
                printError("paystorm run: --snapshot-every needs a journal (--journal memory or file:PATH)")
                throw ExitCode(ExitStatus.badInput)
            }
        } else {
            if mode == .simulated, case .file = try? JournalLocation(parsing: journal) {
                // The deterministic runtime cannot see a sync in progress on the journal's
                // writer thread: it advances virtual time past it to the next timer, so where
                // each completion lands depends on the disk. A simulated run that cannot be
                // replayed must not look like one that can: refuse it, before touching the
                // directory.
                printError(Self.fileJournalInSimulatedMode)
                throw ExitCode(ExitStatus.badInput)
            }
            do {
                let location = try JournalLocation(parsing: journal)
                try Self.checkResumable(location, resume: resume)
                runJournal = try location.open(
                    memory: InMemoryJournal.Configuration(
                        recordsMax: Self.memoryJournalRecordsMax, dropsSnapshottedRecords: snapshotRecords > 0
                    ))
            } catch let error as ResumeError {
                printError("paystorm run: \(error)")
                throw ExitCode(ExitStatus.badInput)
            } catch {
                printError("paystorm run: --journal \(journal): \(error)")
                throw ExitCode(ExitStatus.badInput)
            }
        }
        return runJournal
    }

    /// `--trace`: the run's ordered events, written to the file.
    func writeTrace(_ eventTrace: EventTrace?) throws {
        if let trace, let eventTrace {
            do {
                try Data(eventTrace.text.utf8).write(to: URL(fileURLWithPath: trace))
            } catch {
                printError("paystorm run: cannot write \(trace): \(error)")
                throw ExitCode(ExitStatus.badInput)
            }
            let dropped = eventTrace.dropped
            printError(
                "trace: \(trace) holds \(eventTrace.lines.count) events"
                    + (dropped > 0
                        ? " (\(dropped) more dropped: the trace keeps \(eventTrace.linesMax))" : ""))
        }
    }

    /// Closes the balance-transaction export and the journal, saying what each holds.
    func closeOutputs(export: BalanceTransactionFile?, journal runJournal: (any Journal)?) async throws {
        if let export, let balanceTransactions {
            guard let written = export.close() else {
                printError("paystorm run: cannot write \(balanceTransactions)")
                throw ExitCode(ExitStatus.badInput)
            }
            printError("balance transactions: \(balanceTransactions) holds \(written)")
        }
        if let runJournal {
            let last = await runJournal.lastPosition()
            let held = (runJournal as? InMemoryJournal)?.recordsHeld
            await runJournal.close()
            printError(
                "journal: \(journal) holds \(last.sequence) records"
                    + (held.map {
                        $0 < Int(last.sequence) ? " (\($0) kept in memory after the snapshot)" : ""
                    } ?? ""))
        }
    }
}
