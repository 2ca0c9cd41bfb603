import Ledger
import Services

extension ScenarioParser {
    /// The `faults:` list. Each item is a mapping with `kind` and the keys that kind uses;
    /// a key that does not apply to the kind is an error, not ignored.
    static func parseFaults(_ reader: YAMLReader) throws(ScenarioError) -> [FaultSpec] {
        var faults: [FaultSpec] = []
        for entry in try reader.sequence() {
            faults.append(try parseFault(entry))
        }
        return faults
    }

    static func parseFault(_ entry: YAMLReader) throws(ScenarioError) -> FaultSpec {
        let map = try entry.mapping(allowed: [
            "kind", "target", "start", "duration", "rate", "added_latency_ms", "skew_seconds",
            "restart_after",
            "enabled",
        ])
        let kindReader = try map.required("kind")
        let kindText = try kindReader.string()
        guard let kind = FaultSpec.Kind(rawValue: kindText) else {
            let names = Set(FaultSpec.Kind.allCases.map(\.rawValue))
            let hint = YAMLReader.closest(kindText, in: names).map { " (did you mean '\($0)'?)" } ?? ""
            throw kindReader.error(
                "unknown fault kind '\(kindText)'\(hint); one of: \(names.sorted().joined(separator: ", "))")
        }
        func refuse(_ key: String, _ why: String) throws(ScenarioError) {
            if let value = map.optional(key) {
                throw value.error("'\(key)' does not apply to \(kind.rawValue): \(why)")
            }
        }
        var fault = FaultSpec(kind: kind)
        if kind == .serviceCrash && map.optional("target") == nil {
            throw entry.error(
                "service_crash needs a target: the service that crashes (\(Self.crashableServices))")
        }
        fault.target =
            try map.optional("target").map { (target) throws(ScenarioError) in
                try parseFaultTarget(target, kind: kind)
            } ?? .all
        if kind.acceptsWindow {
            if let start = map.optional("start") { fault.start = try offset(start) }
            if let duration = map.optional("duration") {
                let length = try duration.duration()
                guard length <= FaultSpec.timeMax else {
                    throw duration.error("a fault lasts at most \(DurationText.format(FaultSpec.timeMax))")
                }
                fault.duration = length
            }
        } else {
            let why = "it lasts the whole load phase (the traffic mix has no runtime switch)"
            try refuse("start", why)
            try refuse("duration", why)
        }
        if kind.usesRate {
            fault.rate = try bounds(try map.required("rate"), in: 0...1)
        } else {
            try refuse("rate", "it has no probability")
        }
        if kind.addsLatency {
            fault.addedLatencyMs = try bounds(
                try map.required("added_latency_ms"), in: 0...FaultSpec.addedLatencyMsMax)
        } else {
            try refuse(
                "added_latency_ms",
                "only network_latency, journal_slow_sync and webhook_endpoint_slow add latency")
        }
        if kind == .clockSkew {
            fault.skewSeconds = try bounds(
                try map.required("skew_seconds"), in: -FaultSpec.skewSecondsMax...FaultSpec.skewSecondsMax)
        } else {
            try refuse("skew_seconds", "only clock_skew skews a clock")
        }
        if kind == .serviceCrash {
            if let restart = map.optional("restart_after") {
                fault.restartAfter = try durationBounds(restart)
            }
        } else {
            try refuse("restart_after", "only service_crash restarts a service")
        }
        if let enabled = map.optional("enabled") { fault.enabledProbability = try enabled.fraction() }
        return fault
    }

    static var crashableServices: String {
        FaultSpec.Service.allCases.map(\.rawValue).joined(separator: ", ")
    }

    /// A restart delay: a duration, or a two-item list `[low, high]` a seed draws in, each at
    /// most `FaultSpec.restartAfterMax`.
    static func durationBounds(_ reader: YAMLReader) throws(ScenarioError) -> ClosedRange<Duration> {
        func one(_ item: YAMLReader) throws(ScenarioError) -> Duration {
            let value = try item.duration()
            guard value <= FaultSpec.restartAfterMax else {
                throw item.error(
                    "a crashed service restarts at most \(DurationText.format(FaultSpec.restartAfterMax)) later"
                )
            }
            return value
        }
        if reader.scalarText != nil {
            let value = try one(reader)
            return value...value
        }
        let items = try reader.sequence()
        guard items.count == 2 else {
            throw reader.error("expected a duration or a list [low, high], got \(items.count) items")
        }
        let low = try one(items[0])
        let high = try one(items[1])
        guard low <= high else {
            throw reader.error(
                "[low, high] needs low <= high (\(DurationText.format(low)) > \(DurationText.format(high)))")
        }
        return low...high
    }

    static func parseFaultTarget(
        _ reader: YAMLReader, kind: FaultSpec.Kind
    ) throws(ScenarioError) -> FaultSpec.Target {
        let text = try reader.string()
        if kind == .serviceCrash {
            guard let service = FaultSpec.Service(rawValue: text) else {
                throw reader.error(
                    "a service_crash targets one service (\(Self.crashableServices)), not '\(text)'")
            }
            return .service(service)
        }
        if text == "all" { return .all }
        if kind.targetsNetworks {
            guard let name = PaymentNetwork(rawValue: text), name.isCard else {
                throw reader.error("a network fault targets visa, mastercard, amex or all, not '\(text)'")
            }
            return .network(name)
        }
        if kind == .crash {
            guard text == "process" else {
                throw reader.error("a crash targets the whole process ('process' or 'all'), not '\(text)'")
            }
            return .all
        }
        guard kind != .clientRetryStorm else {
            throw reader.error("client_retry_storm targets all clients, not '\(text)'")
        }
        if kind.targetsJournal {
            guard text == "journal" else {
                throw reader.error("\(kind.rawValue) targets the journal (journal or all), not '\(text)'")
            }
            return .all
        }
        let endpoints = PaymentSystemConfiguration().webhooks.endpoints
        guard text.hasPrefix("endpoint-"), let index = Int(text.dropFirst("endpoint-".count)),
            (0..<endpoints).contains(index)
        else {
            throw reader.error(
                "\(kind.rawValue) targets all or endpoint-N with N in 0...\(endpoints - 1), not '\(text)'")
        }
        return .endpoint(index)
    }

    /// A start offset: "0", "0s" or a duration.
    static func offset(_ reader: YAMLReader) throws(ScenarioError) -> Duration {
        if let text = reader.scalarText, text == "0" || text == "0s" { return .zero }
        let value = try reader.duration()
        guard value <= FaultSpec.timeMax else {
            throw reader.error(
                "a fault starts at most \(DurationText.format(FaultSpec.timeMax)) into the run")
        }
        return value
    }

    /// A number (fixed) or a two-item list `[low, high]` within `range`: the bounds a seed draws in.
    static func bounds(
        _ reader: YAMLReader, in range: ClosedRange<Double>
    ) throws(ScenarioError) -> ClosedRange<Double> {
        if reader.scalarText != nil {
            let value = try reader.double(in: range)
            return value...value
        }
        let items = try reader.sequence()
        guard items.count == 2 else {
            throw reader.error("expected a number or a list [low, high], got \(items.count) items")
        }
        let low = try items[0].double(in: range)
        let high = try items[1].double(in: range)
        guard low <= high else { throw reader.error("[low, high] needs low <= high (\(low) > \(high))") }
        return low...high
    }
}
