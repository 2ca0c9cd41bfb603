import Foundation
import Testing

/// `paystorm run --timeseries FILE`: a row per second of run time, and the same digest as
/// without it (the rows come from the progress reports every run makes).
@Suite(.serialized) struct TimeSeriesTests {
    @Test(.enabled(if: CrashRecoveryTests.executable != nil, "paystorm is not built"))
    func aRowPerSecondThatAddsUpToTheRun() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "paystorm-timeseries-\(getpid()).csv"
        ).path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let with = try CommandLineExitCodeTests.paystorm(["run", "SCENARIO", "--timeseries", path])
        let without = try CommandLineExitCodeTests.paystorm(["run", "SCENARIO"])
        #expect(with.status == 0)
        func digest(_ text: String) -> Substring? {
            text.split(separator: "\n").first { $0.hasPrefix("digest ") }
        }
        #expect(digest(with.output) != nil)
        #expect(digest(with.output) == digest(without.output))
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let header = try #require(lines.first).split(separator: ",")
        #expect(header.first == "t_s" && header.contains("authorize_p99_ms") && header.contains("rss_mb"))
        let rows = lines.dropFirst().map { $0.split(separator: ",").compactMap { Double($0) } }
        #expect(rows.count >= 2)
        #expect(rows.allSatisfy { $0.count == header.count })
        // The tiny scenario holds 20 TPS for 2 s: the rows' dispatched rates add up to what it sent.
        let column = try #require(header.firstIndex(of: "dispatched_per_s"))
        let dispatched = rows.reduce(0) { $0 + $1[column] }
        #expect(dispatched >= 30 && dispatched <= 50, "\(dispatched)")
    }
}
