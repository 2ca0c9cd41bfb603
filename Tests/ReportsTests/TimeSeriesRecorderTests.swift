import Testing

@testable import Reports
@testable import Scenarios

@Suite struct TimeSeriesRecorderTests {
    @Test func ratesAreChangesPerSecondAndARestartedCounterCountsFromZero() {
        let recorder = TimeSeriesRecorder()
        var progress = RunProgress()
        progress.elapsed = .seconds(1)
        progress.attempted = 10
        progress.ledgerTransfers = 50
        progress.declinesByCode = ["insufficient_funds": 4]
        _ = recorder.record(progress, rssBytes: 1 << 20, cpuSeconds: 1)
        progress.elapsed = .seconds(3)
        progress.attempted = 30
        // A crash fault restarted the system: its counter starts again.
        progress.ledgerTransfers = 8
        progress.declinesByCode = ["insufficient_funds": 10]
        let row = recorder.record(progress, rssBytes: 2 << 20, cpuSeconds: 2)
        #expect(row.dispatchedPerSecond == 10)
        #expect(row.ledgerTransfersPerSecond == 4)
        #expect(row.declinesPerSecondByCode == ["insufficient_funds": 3])
        #expect(row.rssMegabytes == 2)
        #expect(row.cpuCores == 0.5)
        #expect(recorder.rows.count == 2)
    }

    @Test func aLongRunKeepsBoundedRowsCoveringTheWholeRun() {
        let recorder = TimeSeriesRecorder(rowsMax: 8)
        var progress = RunProgress()
        for second in 1...100 {
            progress.elapsed = .seconds(second)
            progress.attempted = 5 * second
            progress.intervalP99Milliseconds = second == 50 ? 900 : 10
            _ = recorder.record(progress, rssBytes: nil, cpuSeconds: 0)
        }
        let rows = recorder.rows
        #expect(rows.count <= 8)
        #expect(rows.last?.seconds == 100)
        // Merged rows keep the rate and the worst percentile.
        #expect(rows.allSatisfy { abs($0.dispatchedPerSecond - 5) < 1e-9 })
        #expect(rows.contains { $0.authorizeP99Milliseconds == 900 })
    }

    @Test func csvAndJSONLinesHaveEveryColumn() {
        let row = RunReportPageTests.rows(2)[1]
        let cells = TimeSeriesText.csv(row).split(separator: ",", omittingEmptySubsequences: false)
        #expect(cells.count == TimeSeriesText.columns.count)
        #expect(
            cells[TimeSeriesText.columns.firstIndex(of: "declines_by_code")!]
                == "do_not_honor=1;insufficient_funds=2")
        let json = TimeSeriesText.jsonLine(row)
        for column in TimeSeriesText.columns { #expect(json.contains("\"\(column)\":"), "\(column)") }
        #expect(json.contains("\"faults_active\":[\"network_outage visa\"]"))
    }
}

@Suite struct ProgressLineTests {
    @Test func quietUnlessStandardErrorIsATerminal() {
        #expect(ProgressLine.mode(isTerminal: false, columns: 120, term: "xterm") == .quiet)
        #expect(ProgressLine.mode(isTerminal: true, columns: 120, term: "dumb") == .quiet)
        #expect(ProgressLine.mode(isTerminal: true, columns: 120, term: "xterm") == .live(columns: 120))
        #expect(ProgressLine.mode(isTerminal: true, columns: nil, term: nil) == .live(columns: 80))
        #expect(ProgressLine.finish(.quiet) == "")
        #expect(ProgressLine.finish(.live(columns: 80)) == "\n")
    }

    @Test func aRedrawNeverWrapsAndCoversTheLastOne() {
        let long = String(repeating: "x", count: 200)
        let drawn = ProgressLine.redraw(long, columns: 40)
        #expect(drawn.hasPrefix("\r"))
        #expect(drawn.count == 40)
        #expect(!drawn.contains("\n"))
        #expect(ProgressLine.redraw("ab", columns: 10) == "\rab       ")
    }
}
