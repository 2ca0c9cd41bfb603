import Core
import Ledger
import Services

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Reads scenario files into validated `Scenario` values.
///
/// Every key is known (an unknown one is an error with a did-you-mean), every value is typed and
/// range-checked, and every error names the file, the line and the key path.
public enum ScenarioParser {
    /// Reads and parses the file at `path`.
    /// The bytes are checked before YAML sees them: a file larger than
    /// `ScenarioLimits.fileBytesMax` is refused without being read whole, and one that is not
    /// UTF-8 is refused at the line and column of its first bad byte.
    public static func load(path: String) throws(ScenarioError) -> Scenario {
        let bytes = try ScenarioText.read(path, bytesMax: ScenarioLimits.fileBytesMax + 1)
        return try parse(try ScenarioText.decode(bytes, file: path), file: path)
    }

    public static func parse(_ text: String, file: String) throws(ScenarioError) -> Scenario {
        let root = try YAMLReader.parse(text, file: file)
        let document = try root.mapping(allowed: [
            "name", "description", "seed", "merchants", "load", "mix", "networks", "faults", "thresholds",
            "liveness_timeout", "fees", "reads", "admission", "authorization_validity",
        ])
        let name = try document.required("name").string()
        let load = try parseLoad(try document.required("load"))
        let networks = try document.optional("networks").map(parseNetworks) ?? defaultNetworks
        let faults = try document.optional("faults").map(parseFaults) ?? []
        var scenario = Scenario(
            name: name,
            description: try document.optional("description")?.string() ?? "",
            seed: try document.optional("seed")?.uint64() ?? 1,
            merchants: try document.optional("merchants").map(parseMerchants) ?? defaultMerchants,
            load: load,
            mix: try document.optional("mix").map(parseMix) ?? defaultMix,
            networks: networks,
            faults: faults,
            thresholds: try document.optional("thresholds").map(parseThresholds) ?? [],
            livenessTimeout: try document.optional("liveness_timeout").map(parseLivenessTimeout)
                ?? Scenario.livenessTimeoutDefault,
            fees: try document.optional("fees").map(parseFees) ?? .stripe)
        scenario.reads = try document.optional("reads").map(parseReads) ?? ReadTraffic()
        scenario.authorizationValidity = try document.optional("authorization_validity").map(
            parseAuthorizationValidity)
        if let admission = document.optional("admission") {
            scenario.admission = try parseAdmission(admission)
        }
        if let problem = ScenarioLimits.problem(with: scenario) {
            throw try document.required("load").error(problem)
        }
        return scenario
    }

    /// `liveness_timeout`: a positive duration, at most `Scenario.livenessTimeoutMax`.
    static func parseLivenessTimeout(_ reader: YAMLReader) throws(ScenarioError) -> Duration {
        let value = try reader.duration()
        guard value > .zero, value <= Scenario.livenessTimeoutMax else {
            throw reader.error(
                "liveness_timeout must be positive and at most \(DurationText.format(Scenario.livenessTimeoutMax))"
            )
        }
        return value
    }

    /// `authorization_validity`: how long an uncaptured authorization holds before it expires,
    /// positive and at most `Scenario.authorizationValidityMax`.
    static func parseAuthorizationValidity(_ reader: YAMLReader) throws(ScenarioError) -> Duration {
        let value = try reader.duration()
        guard value > .zero, value <= Scenario.authorizationValidityMax else {
            throw reader.error(
                "authorization_validity must be positive and at most "
                    + DurationText.format(Scenario.authorizationValidityMax))
        }
        return value
    }

    // MARK: Sections

    /// `admission:` the gateway's load shedder; a key left out keeps its standard value.
    static func parseAdmission(
        _ reader: YAMLReader
    ) throws(ScenarioError) -> AdmissionStateMachine.Configuration {
        let map = try reader.mapping(allowed: [
            "in_flight_max", "merchant_in_flight_max", "queue_time_budget", "queue_length_max", "retry_after",
        ])
        var admission = AdmissionStateMachine.Configuration.standard
        if let value = map.optional("in_flight_max") {
            admission.inFlightMax = try value.int(in: 1...10_000_000)
        }
        if let value = map.optional("merchant_in_flight_max") {
            admission.merchantInFlightMax = try value.int(in: 1...10_000_000)
        }
        if let value = map.optional("queue_length_max") {
            admission.queueLengthMax = try value.int(in: 0...10_000_000)
        }
        for (key, apply) in [
            (
                "queue_time_budget",
                { (admission: inout AdmissionStateMachine.Configuration, d: Duration) in
                    admission.queueTimeBudget = d
                }
            ),
            (
                "retry_after",
                { (admission: inout AdmissionStateMachine.Configuration, d: Duration) in
                    admission.retryAfter = d
                }
            ),
        ] {
            guard let value = map.optional(key) else { continue }
            let duration = try value.duration()
            guard duration >= .zero, duration <= .seconds(60) else {
                throw value.error("\(key) must be between 0s and 60s")
            }
            apply(&admission, duration)
        }
        return admission
    }

    static func parseMerchants(_ reader: YAMLReader) throws(ScenarioError) -> MerchantPopulation {
        let map = try reader.mapping(allowed: ["count", "currencies", "webhook_endpoint", "onboarding"])
        var currencies = defaultMerchants.currencies
        if let list = map.optional("currencies") {
            currencies = try shares(list) { (code, entry) throws(ScenarioError) in try currency(code, entry) }
        }
        var population = MerchantPopulation(
            count: try map.optional("count")?.int(in: 1...MerchantPopulation.countMax) ?? 1_000,
            currencies: currencies,
            webhookEndpoint: try map.optional("webhook_endpoint").map(parseEndpoint) ?? EndpointBehaviour())
        if let onboarding = map.optional("onboarding") {
            let text = try onboarding.string()
            guard let value = MerchantOnboarding(rawValue: text) else {
                let names = MerchantOnboarding.allCases.map(\.rawValue)
                throw onboarding.error(
                    "unknown onboarding '\(text)'; one of: \(names.joined(separator: ", "))")
            }
            population.onboarding = value
        }
        return population
    }

    static func parseEndpoint(_ reader: YAMLReader) throws(ScenarioError) -> EndpointBehaviour {
        let map = try reader.mapping(allowed: ["failure_rate", "latency_ms"])
        var endpoint = EndpointBehaviour()
        if let rate = map.optional("failure_rate") { endpoint.failureRate = try rate.fraction() }
        if let latency = map.optional("latency_ms") { endpoint.latency = try parseLatency(latency) }
        return endpoint
    }

    static func parseLatency(_ reader: YAMLReader) throws(ScenarioError) -> LatencySpec {
        if reader.scalarText != nil {
            return LatencySpec(medianMilliseconds: try reader.double(in: 0...600_000), sigma: 0)
        }
        let map = try reader.mapping(allowed: ["median", "sigma"])
        return LatencySpec(
            medianMilliseconds: try map.required("median").double(in: 0...600_000),
            sigma: try map.optional("sigma")?.double(in: 0...3) ?? 0.5)
    }

    static func parseLoad(_ reader: YAMLReader) throws(ScenarioError) -> LoadProfile {
        let map = try reader.mapping(allowed: ["start_tps", "stages", "max_in_flight"])
        let stagesReader = try map.required("stages")
        var stages: [LoadProfile.Stage] = []
        for stage in try stagesReader.sequence() {
            let entry = try stage.mapping(allowed: ["ramp_to", "over", "hold", "spike_to", "for"])
            if let target = entry.optional("ramp_to") {
                guard !entry.has("hold"), !entry.has("spike_to"), !entry.has("for") else {
                    throw stage.error("a ramp stage has exactly 'ramp_to' and 'over'")
                }
                stages.append(
                    .ramp(
                        toTPS: try target.double(in: 0...1_000_000),
                        over: try entry.required("over").duration()))
            } else if let hold = entry.optional("hold") {
                guard entry.entriesCount == 1 else {
                    throw stage.error("a hold stage has only 'hold: <duration>'")
                }
                stages.append(.hold(try hold.duration()))
            } else if let target = entry.optional("spike_to") {
                guard !entry.has("over") else {
                    throw stage.error("a spike stage has exactly 'spike_to' and 'for'")
                }
                stages.append(
                    .spike(
                        toTPS: try target.double(in: 0...1_000_000), for: try entry.required("for").duration()
                    ))
            } else {
                throw stage.error("a stage is one of {ramp_to, over}, {hold}, {spike_to, for}")
            }
        }
        guard !stages.isEmpty else { throw stagesReader.error("at least one stage is needed") }
        // Summed with overflow checks: each stage is within the limit, their sum may not be.
        var total: Int64 = 0
        for stage in stages {
            let (sum, overflow) = total.addingReportingOverflow(stage.duration.nanoseconds)
            guard !overflow, sum <= ScenarioLimits.durationMax.nanoseconds else {
                throw stagesReader.error(
                    "the stages last longer than \(DurationText.format(ScenarioLimits.durationMax)) together")
            }
            total = sum
        }
        return LoadProfile(
            initialTPS: try map.optional("start_tps")?.double(in: 0...1_000_000) ?? 0,
            maxInFlight: try map.optional("max_in_flight")?.int(in: 1...10_000_000), stages: stages)
    }

    static func parseMix(_ reader: YAMLReader) throws(ScenarioError) -> TrafficMix {
        let map = try reader.mapping(allowed: [
            "payment_methods", "amounts", "capture", "refunds", "disputes", "client_retries", "fraud",
        ])
        var mix = defaultMix
        if let methods = map.optional("payment_methods") {
            let entries = try shares(methods) { (key, entry) throws(ScenarioError) -> String in
                guard key == "card" || key == "bank_transfer" else {
                    throw entry.error("unknown payment method '\(key)' (card, bank_transfer)")
                }
                return key
            }
            mix.cardShare = entries.first { $0.0 == "card" }?.1 ?? 0
        }
        if let amounts = map.optional("amounts") { mix.amounts = try parseAmounts(amounts) }
        if let capture = map.optional("capture") {
            let c = try capture.mapping(allowed: ["immediate", "delayed", "never", "cancel", "partial"])
            mix.capture = CaptureMix(
                immediate: try c.optional("immediate")?.fraction() ?? 0,
                delayed: try c.optional("delayed")?.fraction() ?? 0,
                never: try c.optional("never")?.fraction() ?? 0,
                partial: try c.optional("partial")?.fraction() ?? 0,
                cancel: try c.optional("cancel")?.fraction() ?? 0)
            let sum = mix.capture.immediate + mix.capture.delayed + mix.capture.never + mix.capture.cancel
            guard abs(sum - 1) < 1e-9 else {
                throw capture.error(
                    "immediate + delayed + never + cancel must add up to 1 (they add up to \(sum))")
            }
        }
        if let refunds = map.optional("refunds") {
            let r = try refunds.mapping(allowed: ["full", "partial"])
            mix.refunds = RefundMix(
                full: try r.optional("full")?.fraction() ?? 0,
                partial: try r.optional("partial")?.fraction() ?? 0)
            guard mix.refunds.full + mix.refunds.partial <= 1 else {
                throw refunds.error("full + partial refund shares exceed 1")
            }
        }
        if let disputes = map.optional("disputes") { mix.disputeRate = try disputes.fraction() }
        if let retries = map.optional("client_retries") { mix.clientRetryRate = try retries.fraction() }
        if let fraud = map.optional("fraud") {
            let f = try fraud.mapping(allowed: ["share", "patterns"])
            mix.fraud.share = try f.optional("share")?.fraction() ?? 0
            if let patterns = f.optional("patterns") {
                let p = try patterns.mapping(allowed: ["card_testing", "stolen_card"])
                mix.fraud.cardTesting = try p.optional("card_testing")?.fraction() ?? 0
                mix.fraud.stolenCard = try p.optional("stolen_card")?.fraction() ?? 0
                guard abs(mix.fraud.cardTesting + mix.fraud.stolenCard - 1) < 1e-9 else {
                    throw patterns.error("card_testing + stolen_card must add up to 1")
                }
            }
        }
        return mix
    }

    static func parseAmounts(_ reader: YAMLReader) throws(ScenarioError) -> [AmountSpec] {
        var specs: [AmountSpec] = []
        for (code, entry) in try reader.freeMapping() {
            let currency = try currency(code, entry)
            let map = try entry.mapping(allowed: ["weight", "median", "sigma", "min", "max"])
            let spec = AmountSpec(
                currency: currency,
                weight: try map.optional("weight")?.double(in: 0...1_000_000) ?? 1,
                median: try map.required("median").money(currency),
                sigma: try map.optional("sigma")?.double(in: 0...3) ?? 0.8,
                // Half a unit by default; at least one minor unit, so that a zero-decimal
                // currency (JPY: half a yen is 0) still has a positive minimum.
                min: try map.optional("min")?.money(currency)
                    ?? Money(minorUnits: max(1, currency.minorUnitsPerMajor / 2), currency: currency),
                max: try map.optional("max")?.money(currency)
                    ?? Money(minorUnits: currency.minorUnitsPerMajor * 10_000, currency: currency))
            guard spec.min.isPositive, spec.min <= spec.median, spec.median <= spec.max else {
                throw entry.error("amounts must satisfy 0 < min <= median <= max")
            }
            specs.append(spec)
        }
        guard !specs.isEmpty else { throw reader.error("at least one currency is needed") }
        guard specs.contains(where: { $0.weight > 0 }) else { throw reader.error("every weight is zero") }
        return specs
    }

    static func parseNetworks(_ reader: YAMLReader) throws(ScenarioError) -> [NetworkSpec] {
        var networks: [NetworkSpec] = []
        for (key, entry) in try reader.freeMapping() {
            guard let name = PaymentNetwork(rawValue: key), name.isCard else {
                throw entry.error("unknown card network '\(key)' (visa, mastercard, amex)")
            }
            let map = try entry.mapping(allowed: ["share", "latency_ms", "decline_rate", "timeout_rate"])
            networks.append(
                NetworkSpec(
                    name: name,
                    share: try map.required("share").fraction(),
                    latency: try map.optional("latency_ms").map(parseLatency)
                        ?? LatencySpec(medianMilliseconds: 150, sigma: 0.4),
                    declineRate: try map.optional("decline_rate")?.fraction() ?? 0.05,
                    timeoutRate: try map.optional("timeout_rate")?.fraction() ?? 0))
        }
        let sum = networks.reduce(0) { $0 + $1.share }
        guard !networks.isEmpty, abs(sum - 1) < 1e-9 else {
            throw reader.error("network shares must add up to 1 (they add up to \(sum))")
        }
        return networks
    }

    // `parseFaults` lives in Faults/ScenarioParser+Faults.swift.

    static func parseThresholds(_ reader: YAMLReader) throws(ScenarioError) -> [Threshold] {
        var thresholds: [Threshold] = []
        for (key, entry) in try reader.freeMapping() {
            guard let metric = Metric(rawValue: key) else {
                let hint =
                    YAMLReader.closest(key, in: Set(Metric.allCases.map(\.rawValue))).map {
                        " (did you mean '\($0)'?)"
                    } ?? ""
                throw entry.error(
                    "unknown metric '\(key)'\(hint); a threshold must name one of: \(Metric.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            guard let text = entry.scalarText, let (comparison, bound) = Threshold.parse(text) else {
                throw entry.error(
                    "expected a condition like \"< 2000\" or \">= 0.9\", got \(entry.describe())")
            }
            thresholds.append(Threshold(metric: metric, comparison: comparison, bound: bound))
        }
        return thresholds
    }

    // MARK: Helpers

    static func currency(_ code: String, _ entry: YAMLReader) throws(ScenarioError) -> Currency {
        do {
            return try Currency(code: code)
        } catch {
            throw entry.error(error.description)
        }
    }

    /// A mapping of `key: share` whose shares add up to 1.
    static func shares<Key>(
        _ reader: YAMLReader, key: (String, YAMLReader) throws(ScenarioError) -> Key
    ) throws(ScenarioError) -> [(Key, Double)] {
        var result: [(Key, Double)] = []
        for (name, entry) in try reader.freeMapping() {
            result.append((try key(name, entry), try entry.fraction()))
        }
        let sum = result.reduce(0) { $0 + $1.1 }
        guard !result.isEmpty, abs(sum - 1) < 1e-9 else {
            throw reader.error("shares must add up to 1 (they add up to \(sum))")
        }
        return result
    }

    // MARK: Defaults

    static let defaultMerchants = MerchantPopulation(
        count: 1_000, currencies: [(.usd, 1)], webhookEndpoint: EndpointBehaviour())

    static let defaultNetworks: [NetworkSpec] = [
        NetworkSpec(
            name: .visa, share: 0.55, latency: LatencySpec(medianMilliseconds: 150, sigma: 0.4),
            declineRate: 0.05,
            timeoutRate: 0),
        NetworkSpec(
            name: .mastercard, share: 0.35, latency: LatencySpec(medianMilliseconds: 160, sigma: 0.4),
            declineRate: 0.05, timeoutRate: 0),
        NetworkSpec(
            name: .amex, share: 0.10, latency: LatencySpec(medianMilliseconds: 200, sigma: 0.4),
            declineRate: 0.06,
            timeoutRate: 0),
    ]

    static let defaultMix = TrafficMix(
        cardShare: 0.95,
        amounts: [
            AmountSpec(
                currency: .usd, weight: 1, median: Money(minorUnits: 4_500, currency: .usd), sigma: 0.8,
                min: Money(minorUnits: 50, currency: .usd), max: Money(minorUnits: 500_000, currency: .usd))
        ],
        capture: CaptureMix(immediate: 0.85, delayed: 0.12, never: 0.03, partial: 0.2),
        refunds: RefundMix(full: 0.03, partial: 0.02),
        disputeRate: 0.005,
        clientRetryRate: 0.03,
        fraud: FraudMix(share: 0.01, cardTesting: 0.5, stolenCard: 0.5))
}

extension YAMLReader.Mapping {
    var entriesCount: Int { entries.count }
}
