import Foundation

/// Where an axis puts its ticks: round steps (1, 2 or 5 times a power of ten) that cover the
/// data's range, so that tick labels read as people write numbers.
public enum ChartTicks {
    /// About `countMax` ticks or fewer, from a multiple of the step at or below `lower` to one
    /// at or above `upper`. A range of zero width is widened to one unit around its value.
    public static func nice(lower: Double, upper: Double, countMax: Int = 6) -> [Double] {
        precondition(countMax >= 2, "an axis needs two ticks")
        guard lower.isFinite, upper.isFinite else { return [0, 1] }
        var low = Swift.min(lower, upper)
        var high = Swift.max(lower, upper)
        if high - low < 1e-12 {
            low -= 1
            high += 1
        }
        let step = niceStep((high - low) / Double(countMax - 1))
        let first = (low / step).rounded(.down) * step
        let last = (high / step).rounded(.up) * step
        let count = Int(((last - first) / step).rounded()) + 1
        return (0..<count).map { first + Double($0) * step }
    }

    /// The smallest of 1, 2, 5 (times a power of ten) at or above `rough`.
    static func niceStep(_ rough: Double) -> Double {
        let magnitude = pow(10, (log10(rough)).rounded(.down))
        for factor in [1.0, 2, 5, 10] where factor * magnitude >= rough * (1 - 1e-9) {
            return factor * magnitude
        }
        return 10 * magnitude
    }
}
