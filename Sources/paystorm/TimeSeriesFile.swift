import Foundation
import Scenarios
import Synchronization

/// `--timeseries FILE`: one row per second of run time (virtual time in simulated mode), from
/// the progress reports: what was offered and answered, what was in flight, the authorization
/// latency of that second, declines and refusals, and the process's memory and CPU. CSV, or one
/// JSON object a line when FILE ends in `.jsonl` or `.json`.
///
/// Locked: the reports come from the run's tasks.
final class TimeSeriesFile: Sendable {
    private let handle: FileHandle
    private let jsonLines: Bool
    private let previousReport = Mutex<RunProgress?>(nil)

    static let columns = [
        "t_s", "target_tps", "dispatched_per_s", "answered_per_s", "in_flight", "authorizations",
        "authorize_p50_ms", "authorize_p90_ms", "authorize_p99_ms", "declined_per_s", "rate_limited_per_s",
        "violations", "rss_mb", "cpu_s",
    ]

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        jsonLines = path.hasSuffix(".jsonl") || path.hasSuffix(".json")
        if !jsonLines { write(Self.columns.joined(separator: ",")) }
    }

    /// One row: rates are the change since the previous report over the time between them.
    func record(_ progress: RunProgress) {
        let previous = previousReport.withLock { previous in
            defer { previous = progress }
            return previous
        }
        let seconds = max(1e-9, (progress.elapsed - (previous?.elapsed ?? .zero)).seconds)
        func rate(_ now: Int, _ before: Int?) -> Double { Double(now - (before ?? 0)) / seconds }
        let cpu = ProcessCPU.seconds().map { $0.user + $0.system } ?? 0
        let values: [Double] = [
            progress.elapsed.seconds, progress.targetTPS, rate(progress.attempted, previous?.attempted),
            rate(progress.answered, previous?.answered), Double(progress.inFlight),
            Double(progress.intervalAuthorizations), progress.intervalP50Milliseconds,
            progress.intervalP90Milliseconds, progress.intervalP99Milliseconds,
            rate(progress.declined, previous?.declined), rate(progress.rateLimited, previous?.rateLimited),
            Double(progress.violations), Double(ResidentMemory.bytes() ?? 0) / 1_048_576, cpu,
        ]
        let texts = values.map { Self.text($0) }
        if jsonLines {
            write("{" + zip(Self.columns, texts).map { "\"\($0)\":\($1)" }.joined(separator: ",") + "}")
        } else {
            write(texts.joined(separator: ","))
        }
    }

    /// Whole numbers without a fraction, others with three decimals.
    private static func text(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(format: "%.3f", value)
    }

    private func write(_ line: String) { handle.write(Data((line + "\n").utf8)) }

    func close() { try? handle.close() }
}

extension Duration {
    fileprivate var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
