import Foundation
import Testing

/// `paystorm run --timeseries FILE` and `--report FILE.html`: a row per second of run time, and
/// the same digest as without them (the rows come from the progress reports every run makes).
@Suite(.serialized) struct TimeSeriesTests {
    /// The tiny scenario with Visa down from 1 s to 2 s.
    static let withOutage =
        CommandLineExitCodeTests.tiny
            + """

            faults:
              - kind: network_outage
                target: visa
                start: 1s
                duration: 1s
            """

    @Test
    func aRowPerSecondThatAddsUpToTheRun() throws {
        let directory = FileManager.default.temporaryDirectory
        let path = directory.appendingPathComponent("paystorm-timeseries-\(getpid()).csv").path
        let report = directory.appendingPathComponent("paystorm-report-\(getpid()).html").path
        defer {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: report)
        }
        let with = try CommandLineExitCodeTests.paystorm(
            ["run", "SCENARIO", "--timeseries", path, "--report", report], scenario: Self.withOutage)
        let without = try CommandLineExitCodeTests.paystorm(["run", "SCENARIO"], scenario: Self.withOutage)
        #expect(with.status == 0, "\(with.output)\(with.errors)")
        func digest(_ text: String) -> Substring? {
            text.split(separator: "\n").first { $0.hasPrefix("digest ") }
        }
        #expect(digest(with.output) != nil)
        #expect(digest(with.output) == digest(without.output))
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let header = try #require(lines.first).split(separator: ",").map(String.init)
        for column in [
            "t_s", "authorize_p99_ms", "rss_mb", "captured_per_s", "declined_per_s", "blocked_per_s",
            "challenged_per_s", "rate_limited_per_s", "shed_per_s", "webhooks_delivered_per_s",
            "webhook_retries_per_s", "webhooks_dead_lettered_per_s", "webhook_backlog",
            "ledger_transfers_per_s",
            "declines_by_code", "faults_active",
        ] {
            #expect(header.contains(column), "\(column)")
        }
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(rows.count >= 2)
        #expect(rows.allSatisfy { $0.count == header.count })
        func column(_ name: String) throws -> [Double] {
            let index = try #require(header.firstIndex(of: name))
            return rows.compactMap { Double($0[index]) }
        }
        // The tiny scenario holds 20 TPS for 2 s: the rows' dispatched rates add up to what it sent.
        let dispatched = try column("dispatched_per_s").reduce(0, +)
        #expect(dispatched >= 30 && dispatched <= 50, "\(dispatched)")
        #expect(try column("captured_per_s").reduce(0, +) > 0)
        #expect(try column("ledger_transfers_per_s").reduce(0, +) > 0)
        #expect(try column("webhooks_delivered_per_s").reduce(0, +) > 0)
        // The journeys waiting for their next step are some of those in flight.
        let inFlight = try column("in_flight")
        let waiting = try column("in_flight_waiting")
        #expect(waiting.count == inFlight.count)
        #expect(zip(waiting, inFlight).allSatisfy { $0 >= 0 && $0 <= $1 }, "\(waiting) \(inFlight)")
        // The outage is named in the row of its second, and only there.
        let faults = try #require(header.firstIndex(of: "faults_active"))
        let seconds = try column("t_s")
        let down = zip(seconds, rows).filter { $0.1[faults] == "network_outage visa" }.map(\.0)
        #expect(down == [1], "\(rows.map { $0[faults] })")
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.contains("id=\"chart-tps\"") && html.contains("class=\"band band-fault\""))
        #expect(html.contains("network_outage visa"))
    }
}
