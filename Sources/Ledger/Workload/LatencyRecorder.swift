import Histogram

/// Latencies in microseconds in an HdrHistogram (3 significant digits, up to an hour, about
/// 30 KiB whatever the count), for the benchmark's batch and query figures.
struct LatencyRecorder: Sendable {
    private static let highestMicroseconds: UInt64 = 3_600_000_000
    private var histogram = Histogram<UInt64>(
        lowestDiscernibleValue: 1, highestTrackableValue: highestMicroseconds,
        numberOfSignificantValueDigits: .three)

    mutating func record(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let micros = max(0, seconds) * 1_000_000 + attoseconds / 1_000_000_000_000
        _ = histogram.record(min(max(1, UInt64(micros)), Self.highestMicroseconds))
    }

    var percentiles: LatencyPercentiles {
        guard histogram.totalCount > 0 else { return LatencyPercentiles() }
        func milliseconds(_ percentile: Double) -> Double {
            Double(histogram.valueAtPercentile(percentile)) / 1_000
        }
        return LatencyPercentiles(
            count: Int(histogram.totalCount), p1Milliseconds: milliseconds(1),
            p50Milliseconds: milliseconds(50), p99Milliseconds: milliseconds(99),
            p100Milliseconds: Double(histogram.max) / 1_000)
    }
}

/// Percentiles of a latency distribution, in milliseconds (HdrHistogram: 3 significant digits).
public struct LatencyPercentiles: Sendable, Hashable, Codable {
    public var count = 0
    public var p1Milliseconds = 0.0
    public var p50Milliseconds = 0.0
    public var p99Milliseconds = 0.0
    public var p100Milliseconds = 0.0

    public init(
        count: Int = 0, p1Milliseconds: Double = 0, p50Milliseconds: Double = 0, p99Milliseconds: Double = 0,
        p100Milliseconds: Double = 0
    ) {
        self.count = count
        self.p1Milliseconds = p1Milliseconds
        self.p50Milliseconds = p50Milliseconds
        self.p99Milliseconds = p99Milliseconds
        self.p100Milliseconds = p100Milliseconds
    }
}
