import Core
import Services

/// Writes a `Scenario` as the YAML file `ScenarioParser` reads back to an equal value: what a
/// generated swarm seed that failed leaves behind, so that `paystorm run FILE` replays it.
///
/// Exact by construction: amounts as decimal strings of their minor units, numbers in Swift's
/// shortest round-trip spelling, durations in `DurationText` (whole milliseconds: a duration
/// with a finer part cannot be written and is a programming error).
public enum ScenarioWriter {
    public static func yaml(_ scenario: Scenario) -> String {
        var lines: [String] = []
        lines.append("name: \(quoted(scenario.name))")
        if !scenario.description.isEmpty { lines.append("description: \(quoted(scenario.description))") }
        lines.append("seed: \(scenario.seed)")
        lines.append("liveness_timeout: \(duration(scenario.livenessTimeout))")
        if let validity = scenario.authorizationValidity {
            lines.append("authorization_validity: \(duration(validity))")
        }
        if scenario.admission != .standard {
            let admission = scenario.admission
            lines.append(
                "admission: {in_flight_max: \(admission.inFlightMax), "
                    + "merchant_in_flight_max: \(admission.merchantInFlightMax), "
                    + "queue_time_budget: \(duration(admission.queueTimeBudget)), "
                    + "queue_length_max: \(admission.queueLengthMax), retry_after: \(duration(admission.retryAfter))}"
            )
        }
        let merchants = scenario.merchants
        lines.append("merchants:")
        lines.append("  count: \(merchants.count)")
        lines.append(
            "  currencies: {"
                + merchants.currencies.map { "\($0.currency.code): \(number($0.share))" }.joined(
                    separator: ", ")
                + "}")
        lines.append("  onboarding: \(merchants.onboarding.rawValue)")
        lines.append(
            "  webhook_endpoint: {failure_rate: \(number(merchants.webhookEndpoint.failureRate)), "
                + "latency_ms: \(latency(merchants.webhookEndpoint.latency))}")
        lines.append("load:")
        lines.append("  start_tps: \(number(scenario.load.initialTPS))")
        lines.append("  stages:")
        for stage in scenario.load.stages {
            switch stage {
            case .ramp(let target, let over):
                lines.append("    - {ramp_to: \(number(target)), over: \(duration(over))}")
            case .hold(let length):
                lines.append("    - {hold: \(duration(length))}")
            case .spike(let target, let length):
                lines.append("    - {spike_to: \(number(target)), for: \(duration(length))}")
            }
        }
        lines += mix(scenario.mix)
        lines.append("networks:")
        for network in scenario.networks {
            lines.append(
                "  \(network.name.rawValue): {share: \(number(network.share)), latency_ms: \(latency(network.latency)), "
                    + "decline_rate: \(number(network.declineRate)), timeout_rate: \(number(network.timeoutRate))}"
            )
        }
        lines.append(scenario.faults.isEmpty ? "faults: []" : "faults:")
        for fault in scenario.faults { lines.append("  - " + Self.fault(fault)) }
        if !scenario.thresholds.isEmpty {
            lines.append("thresholds:")
            for threshold in scenario.thresholds {
                lines.append(
                    "  \(threshold.metric.rawValue): \"\(threshold.comparison.rawValue) \(number(threshold.bound))\""
                )
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func mix(_ mix: TrafficMix) -> [String] {
        var lines = ["mix:"]
        if mix.cardShare >= 1 {
            lines.append("  payment_methods: {card: 1}")
        } else if mix.cardShare <= 0 {
            lines.append("  payment_methods: {bank_transfer: 1}")
        } else {
            lines.append(
                "  payment_methods: {card: \(number(mix.cardShare)), bank_transfer: \(number(1 - mix.cardShare))}"
            )
        }
        lines.append("  amounts:")
        for spec in mix.amounts {
            lines.append(
                "    \(spec.currency.code): {weight: \(number(spec.weight)), median: \"\(spec.median.decimalString)\", "
                    + "sigma: \(number(spec.sigma)), min: \"\(spec.min.decimalString)\", max: \"\(spec.max.decimalString)\"}"
            )
        }
        let capture = mix.capture
        lines.append(
            "  capture: {immediate: \(number(capture.immediate)), delayed: \(number(capture.delayed)), "
                + "never: \(number(capture.never)), "
                + (capture.cancel > 0 ? "cancel: \(number(capture.cancel)), " : "")
                + "partial: \(number(capture.partial))}")
        lines.append(
            "  refunds: {full: \(number(mix.refunds.full)), partial: \(number(mix.refunds.partial))}")
        lines.append("  disputes: \(number(mix.disputeRate))")
        lines.append("  client_retries: \(number(mix.clientRetryRate))")
        let fraud = mix.fraud
        lines.append(
            "  fraud: {share: \(number(fraud.share)), patterns: {card_testing: \(number(fraud.cardTesting)), "
                + "stolen_card: \(number(fraud.stolenCard))}}")
        return lines
    }

    static func fault(_ fault: FaultSpec) -> String {
        var fields = ["kind: \(fault.kind.rawValue)"]
        switch fault.target {
        case .all: break
        case .network(let name): fields.append("target: \(name.rawValue)")
        case .endpoint(let index): fields.append("target: endpoint-\(index)")
        case .service(let service): fields.append("target: \(service.rawValue)")
        }
        if fault.kind.acceptsWindow {
            if fault.start > .zero { fields.append("start: \(duration(fault.start))") }
            if let length = fault.duration { fields.append("duration: \(duration(length))") }
        }
        if fault.kind.usesRate { fields.append("rate: \(bounds(fault.rate))") }
        if fault.kind.addsLatency { fields.append("added_latency_ms: \(bounds(fault.addedLatencyMs))") }
        if fault.kind == .clockSkew { fields.append("skew_seconds: \(bounds(fault.skewSeconds))") }
        if fault.kind == .serviceCrash {
            fields.append(
                "restart_after: [\(duration(fault.restartAfter.lowerBound)), \(duration(fault.restartAfter.upperBound))]"
            )
        }
        fields.append("enabled: \(number(fault.enabledProbability))")
        return "{" + fields.joined(separator: ", ") + "}"
    }

    static func bounds(_ range: ClosedRange<Double>) -> String {
        range.lowerBound == range.upperBound
            ? number(range.lowerBound) : "[\(number(range.lowerBound)), \(number(range.upperBound))]"
    }

    static func latency(_ spec: LatencySpec) -> String {
        "{median: \(number(spec.medianMilliseconds)), sigma: \(number(spec.sigma))}"
    }

    /// Swift's shortest spelling that reads back to the same `Double`.
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }

    static func duration(_ value: Duration) -> String {
        precondition(
            value.nanoseconds % 1_000_000 == 0,
            "ScenarioWriter writes whole milliseconds; \(value) has a finer part")
        return DurationText.format(value)
    }

    /// A YAML double-quoted string.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 {
                    result += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}
