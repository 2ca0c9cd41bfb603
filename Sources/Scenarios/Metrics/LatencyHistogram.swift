import Histogram

/// Latencies in microseconds, in an HdrHistogram: bounded memory however long the run (about
/// 30 KiB for 1 us to 1 hour at 3 significant digits), mergeable across recorders.
public struct LatencyHistogram: Sendable {
    /// One hour: anything slower is clamped there and still counted.
    static let highestMicroseconds: UInt64 = 3_600_000_000

    private var histogram = Histogram<UInt64>(
        lowestDiscernibleValue: 1, highestTrackableValue: highestMicroseconds,
        numberOfSignificantValueDigits: .three)

    public init() {}

    public mutating func record(nanoseconds: Int64) {
        let micros = UInt64(max(1, nanoseconds / 1_000))
        _ = histogram.record(min(micros, Self.highestMicroseconds))
    }

    public mutating func merge(_ other: LatencyHistogram) { histogram.add(other.histogram) }

    public var count: UInt64 { histogram.totalCount }

    /// The value at `percentile` (0-100) in milliseconds; 0 for an empty histogram.
    public func milliseconds(atPercentile percentile: Double) -> Double {
        guard count > 0 else { return 0 }
        return Double(histogram.valueAtPercentile(percentile)) / 1_000
    }

    public var maxMilliseconds: Double { count > 0 ? Double(histogram.max) / 1_000 : 0 }
    public var meanMilliseconds: Double { count > 0 ? histogram.mean / 1_000 : 0 }

    public var summary: LatencySummary {
        LatencySummary(
            count: count,
            p50: milliseconds(atPercentile: 50), p90: milliseconds(atPercentile: 90),
            p99: milliseconds(atPercentile: 99), p999: milliseconds(atPercentile: 99.9),
            max: maxMilliseconds, mean: meanMilliseconds)
    }
}

/// Percentiles of a latency histogram, in milliseconds.
public struct LatencySummary: Sendable, Equatable, Codable {
    public var count: UInt64
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var p999: Double
    public var max: Double
    public var mean: Double
}
