/// A pass/fail criterion on a run's figure, written k6 style: `authorize_p99_ms: "< 2000"`.
public struct Threshold: Sendable, Equatable, CustomStringConvertible {
    public enum Comparison: String, Sendable, CaseIterable {
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
        case equal = "=="

        func holds(_ value: Double, _ bound: Double) -> Bool {
            switch self {
            case .less: value < bound
            case .lessOrEqual: value <= bound
            case .greater: value > bound
            case .greaterOrEqual: value >= bound
            case .equal: value == bound
            }
        }
    }

    public var metric: Metric
    public var comparison: Comparison
    public var bound: Double

    public init(metric: Metric, comparison: Comparison, bound: Double) {
        self.metric = metric
        self.comparison = comparison
        self.bound = bound
    }

    public func holds(for value: Double) -> Bool { comparison.holds(value, bound) }

    public var description: String { "\(metric.rawValue) \(comparison.rawValue) \(bound)" }

    /// Parses `"< 2000"`, `"<=0.08"`, `">= 0.9"`.
    static func parse(_ text: String) -> (Comparison, Double)? {
        let trimmed = String(text.trimmingWhitespace)
        // Longest operators first, so that "<=" is not read as "<" followed by "=".
        for comparison in [Comparison.lessOrEqual, .greaterOrEqual, .equal, .less, .greater]
        where trimmed.hasPrefix(comparison.rawValue) {
            let rest = trimmed.dropFirst(comparison.rawValue.count).trimmingCharacters()
            guard let bound = Double(rest.replacingOccurrences(of: "_", with: "")), bound.isFinite else {
                return nil
            }
            return (comparison, bound)
        }
        return nil
    }
}

/// Every figure a threshold may name. A threshold on anything else is an error in the file,
/// never a silent pass.
public enum Metric: String, Sendable, CaseIterable {
    case authorizeP50Milliseconds = "authorize_p50_ms"
    case authorizeP90Milliseconds = "authorize_p90_ms"
    case authorizeP99Milliseconds = "authorize_p99_ms"
    case authorizeP999Milliseconds = "authorize_p999_ms"
    case authorizeMaxMilliseconds = "authorize_max_ms"
    case dispatchDelayP99Milliseconds = "dispatch_delay_p99_ms"
    case declineRate = "decline_rate"
    case errorRate = "error_rate"
    case achievedTPS = "achieved_tps"
    case achievedToTargetRatio = "achieved_to_target_ratio"
    case fraudPrecision = "fraud_precision"
    case fraudRecall = "fraud_recall"
    case webhookDeadLetterRate = "webhook_dead_letter_rate"
    case paymentsTotal = "payments_total"
    /// RSS when every journey has finished over RSS after the first minute of the run's clock:
    /// what a long run at a steady load should hold near 1 (a leak or an unbounded table shows
    /// as growth). No figure for a run shorter than a minute.
    case memoryGrowthRatio = "memory_growth_ratio"
    /// The largest RSS sampled during the run, in MiB (2^20 bytes, as the summary's `memory`
    /// line prints it).
    case rssMaxMegabytes = "rss_max_mb"
    /// The lowest answered-to-due ratio over the load's stages (answers in a stage's window over
    /// the arrivals due in it; stages with too few arrivals to judge are left out). Every run
    /// is held to `>= 0.99` unless its scenario names this metric with a bound of its own: a run
    /// that could not keep up is SATURATED, not PASS.
    case stageAnsweredToDueRatio = "stage_answered_to_due_ratio"
}

extension Scenario {
    /// How soon after its intended time an arrival must be answered for its stage to count it
    /// as kept up: the scenario's authorization latency objective (`authorize_p99_ms: "< 2000"`)
    /// when it states one, else 10 s.
    public var answerDeadline: Duration {
        let objective = thresholds.first {
            $0.metric == .authorizeP99Milliseconds
                && ($0.comparison == .less || $0.comparison == .lessOrEqual)
        }
        guard let objective, objective.bound > 0, objective.bound < 3_600_000 else { return .seconds(10) }
        return .milliseconds(Int64(objective.bound))
    }
}

extension Threshold {
    /// The saturation check every run gets unless its scenario words its own.
    public static let keptUp = Threshold(
        metric: .stageAnsweredToDueRatio, comparison: .greaterOrEqual, bound: 0.99)

    /// The scenario's thresholds and the saturation check, unless the scenario relaxes it.
    public static func judging(_ thresholds: [Threshold]) -> [Threshold] {
        thresholds.contains { $0.metric == .stageAnsweredToDueRatio } ? thresholds : thresholds + [keptUp]
    }
}

extension Substring {
    func trimmingCharacters() -> String { String(String(self).trimmingWhitespace) }
}
