import Foundation
import Reports

/// `--timeseries FILE`: one row per second of run time (virtual time in simulated mode), as
/// `TimeSeriesRecorder` makes them from the progress reports: CSV, or one JSON object a line
/// when FILE ends in `.jsonl` or `.json` (`TimeSeriesText`).
///
/// Written from the run's reporter task only, one row after the other.
final class TimeSeriesFile: Sendable {
    private let handle: FileHandle
    private let jsonLines: Bool

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        jsonLines = path.hasSuffix(".jsonl") || path.hasSuffix(".json")
        if !jsonLines { write(TimeSeriesText.csvHeader) }
    }

    func write(_ row: TimeSeriesRow) {
        write(jsonLines ? TimeSeriesText.jsonLine(row) : TimeSeriesText.csv(row))
    }

    private func write(_ line: String) { handle.write(Data((line + "\n").utf8)) }

    func close() { try? handle.close() }
}
