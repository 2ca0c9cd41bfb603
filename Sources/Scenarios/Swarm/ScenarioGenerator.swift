import Core
import Ledger
import PaystormRuntime
import Services

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Draws a whole scenario from a seed, as TigerBeetle's VOPR draws the workload along with the
/// faults: the merchants and their settlement currencies (zero- and three-decimal ones
/// included), amount distributions from the smallest amount to the eight-digit limit, the
/// capture, cancel, refund and dispute mix, client retries, the load profile (5 s to 5 min of
/// simulated time) and fault windows anywhere in it, including an outage after timeouts and a
/// crash during an outage. `paystorm swarm --generate` runs one per seed.
///
/// Pure: the same seed gives the same scenario, whose own seed is that seed (so its faults and
/// its run are the seed's too). Every value is one the parser accepts and `ScenarioWriter`
/// writes exactly (durations in whole milliseconds).
public enum ScenarioGenerator {
    /// Simulated length of a generated load.
    public static let durationMin: Duration = .seconds(5)
    public static let durationMax: Duration = .seconds(300)
    /// Payments a generated load expects: enough to exercise every path, few enough for a
    /// thousand seeds in minutes.
    static let paymentsMin = 20.0
    static let paymentsMax = 400.0
    static let merchantsMax = 200
    static let faultsMax = 4

    public static func scenario(seed: UInt64) -> Scenario {
        var random = RandomStream(seed: seed).derived("generated-scenario")
        let length = logUniformMilliseconds(durationMin, durationMax, &random)
        let load = loadProfile(length: length, &random)
        let settlement = pickCurrencies(1 + random.index(3), &random)
        var merchants = MerchantPopulation(
            count: Int(logUniform(1, Double(merchantsMax), &random).rounded()),
            currencies: shares(settlement, &random),
            webhookEndpoint: EndpointBehaviour(
                failureRate: random.chance(0.5) ? 0 : rounded(random.nextUnit() * 0.1),
                latency: LatencySpec(medianMilliseconds: Double(5 + random.index(200)), sigma: 0.5)))
        merchants.onboarding = random.chance(0.25) ? .beforeLoad : .onFirstPayment
        return Scenario(
            name: "generated-\(seed)",
            description: "Drawn by paystorm swarm --generate from seed \(seed).",
            seed: seed, merchants: merchants, load: load, mix: mix(&random),
            networks: networks(&random), faults: faults(length: length, &random), thresholds: [])
    }

    // MARK: Load

    static func loadProfile(length: Duration, _ random: inout RandomStream) -> LoadProfile {
        let stageCount = 1 + random.index(3)
        // Stage lengths in whole milliseconds adding up to `length`.
        let total = length.nanoseconds / 1_000_000
        var cuts = (0..<(stageCount - 1)).map { _ in Int64(1 + random.index(Int(max(1, total - 1)))) }
            .sorted()
        cuts.append(total)
        var lengths: [Int64] = []
        var previous: Int64 = 0
        for cut in cuts where cut > previous {
            lengths.append(cut - previous)
            previous = cut
        }
        // Shapes at unit scale, then scaled so that the profile expects the drawn payments.
        var stages: [LoadProfile.Stage] = []
        for milliseconds in lengths {
            let over: Duration = .milliseconds(milliseconds)
            switch random.index(3) {
            case 0: stages.append(.ramp(toTPS: random.nextUnit() * 2, over: over))
            case 1: stages.append(.hold(over))
            default: stages.append(.spike(toTPS: 1 + random.nextUnit() * 3, for: over))
            }
        }
        let unit = LoadProfile(initialTPS: random.nextUnit() * 2, stages: stages)
        let payments = logUniform(paymentsMin, paymentsMax, &random)
        let factor = payments / max(1e-6, unit.expectedArrivals)
        let scale = { (tps: Double) in rounded(tps * factor) }
        return LoadProfile(
            initialTPS: scale(unit.initialTPS),
            stages: stages.map { stage in
                switch stage {
                case .ramp(let to, let over): .ramp(toTPS: scale(to), over: over)
                case .hold(let over): .hold(over)
                case .spike(let to, let over): .spike(toTPS: scale(to), for: over)
                }
            })
    }

    // MARK: Mix

    static func mix(_ random: inout RandomStream) -> TrafficMix {
        let charged = pickCurrencies(1 + random.index(3), &random)
        let amounts = charged.map { currency in amountSpec(currency, &random) }
        let captureParts = parts(3, of: 20, &random)
        let capture = CaptureMix(
            immediate: Double(captureParts[0]) / 20, delayed: Double(captureParts[1]) / 20,
            never: Double(captureParts[2]) / 20,
            partial: rounded(random.nextUnit()))
        let fraudTesting = rounded(random.nextUnit())
        return TrafficMix(
            cardShare: random.chance(0.3) ? 1 : rounded(0.5 + random.nextUnit() / 2),
            amounts: amounts, capture: capture,
            refunds: RefundMix(
                full: rounded(random.nextUnit() * 0.3), partial: rounded(random.nextUnit() * 0.3)),
            disputeRate: random.chance(0.3) ? 0 : rounded(random.nextUnit() * 0.1),
            clientRetryRate: rounded(random.nextUnit() * 0.3),
            fraud: FraudMix(
                share: random.chance(0.3) ? 0 : rounded(random.nextUnit() * 0.1), cardTesting: fraudTesting,
                stolenCard: 1 - fraudTesting))
    }

    /// An amount distribution reaching, on some seeds, the currency's smallest amount (one
    /// minor unit; ten in a three-decimal currency) and Stripe's eight-digit limit.
    static func amountSpec(_ currency: Currency, _ random: inout RandomStream) -> AmountSpec {
        let smallest: Int64 = currency.exponent == 3 ? 10 : 1
        let largest = ScenarioLimits.amountMinorUnitsMax
        let unit = currency.minorUnitsPerMajor
        let low: Int64 =
            random.chance(0.2)
            ? smallest : max(smallest, Int64(logUniform(Double(unit) / 2, Double(unit) * 50, &random)))
        let high: Int64 =
            random.chance(0.15)
            ? largest
            : min(largest, max(low, Int64(logUniform(Double(low) * 2, Double(unit) * 20_000, &random))))
        let median = min(high, max(low, Int64(logUniform(Double(low), Double(high), &random))))
        return AmountSpec(
            currency: currency, weight: Double(1 + random.index(9)),
            median: Money(minorUnits: median, currency: currency), sigma: rounded(random.nextUnit() * 1.5),
            min: Money(minorUnits: low, currency: currency), max: Money(minorUnits: high, currency: currency))
    }

    // MARK: Networks

    static func networks(_ random: inout RandomStream) -> [NetworkSpec] {
        guard random.chance(0.5) else { return ScenarioParser.defaultNetworks }
        let weights = parts(3, of: 20, &random).map { $0 + 1 }
        let total = Double(weights.reduce(0, +))
        return PaymentNetwork.cards.enumerated().map { index, name in
            NetworkSpec(
                name: name,
                share: Double(weights[index]) / total,
                latency: LatencySpec(
                    medianMilliseconds: Double(40 + random.index(400)),
                    sigma: rounded(random.nextUnit() * 0.6)),
                declineRate: rounded(random.nextUnit() * 0.15),
                timeoutRate: random.chance(0.7) ? 0 : rounded(random.nextUnit() * 0.05))
        }
    }

    // MARK: Faults

    static func faults(length: Duration, _ random: inout RandomStream) -> [FaultSpec] {
        var faults: [FaultSpec] = []
        let total = length.nanoseconds / 1_000_000
        /// A window anywhere in the load, in whole milliseconds.
        func window(_ random: inout RandomStream) -> (start: Duration, length: Duration) {
            let start = Int64(random.index(Int(total)))
            let span = 100 + Int64(random.index(Int(max(1, total - start))))
            return (.milliseconds(start), .milliseconds(span))
        }
        if random.chance(0.2) {
            // An outage after timeouts: answers lost first, then nothing answers at all.
            let network = networkTarget(&random)
            let (start, span) = window(&random)
            faults.append(
                FaultSpec(
                    kind: .networkTimeouts, target: network, start: start, duration: span,
                    rate: fixed(rounded(0.2 + random.nextUnit() * 0.8))))
            let after = start + .milliseconds(Int64(random.index(Int(max(1, span.nanoseconds / 1_000_000)))))
            faults.append(
                FaultSpec(
                    kind: .networkOutage, target: network, start: after,
                    duration: .milliseconds(500 + Int64(random.index(20_000)))))
        }
        if random.chance(0.15) {
            // A crash during an outage.
            let (start, span) = window(&random)
            faults.append(
                FaultSpec(kind: .networkOutage, target: networkTarget(&random), start: start, duration: span))
            let inside = start + .milliseconds(Int64(random.index(Int(max(1, span.nanoseconds / 1_000_000)))))
            faults.append(FaultSpec(kind: .crash, start: inside, duration: .milliseconds(1)))
        }
        let kinds = FaultSpec.Kind.allCases
        for _ in 0..<random.index(faultsMax + 1) {
            let kind = kinds[random.index(kinds.count)]
            var fault = FaultSpec(kind: kind)
            if kind.targetsNetworks { fault.target = networkTarget(&random) }
            if kind.targetsEndpoints, random.chance(0.3) { fault.target = .endpoint(random.index(4)) }
            if kind == .serviceCrash { fault.target = .service(.webhookDispatcher) }
            if kind.acceptsWindow, kind.isWindowed || random.chance(0.5) {
                let (start, span) = window(&random)
                fault.start = start
                fault.duration = random.chance(0.2) ? nil : span
            }
            if kind.usesRate { fault.rate = fixed(rounded(0.01 + random.nextUnit() * 0.6)) }
            switch kind {
            case .networkLatency: fault.addedLatencyMs = fixed(Double(random.index(15_000)))
            case .journalSlowSync: fault.addedLatencyMs = fixed(Double(1 + random.index(200)))
            case .webhookEndpointSlow: fault.addedLatencyMs = fixed(Double(100 + random.index(15_000)))
            case .clockSkew: fault.skewSeconds = fixed(Double(random.index(1_201) - 600))
            case .serviceCrash:
                let low = Int64(100 + random.index(2_000))
                fault.restartAfter = .milliseconds(low)...(.milliseconds(low + Int64(random.index(2_000))))
            default: break
            }
            faults.append(fault)
        }
        return faults
    }

    static func networkTarget(_ random: inout RandomStream) -> FaultSpec.Target {
        random.chance(0.4) ? .all : .network(PaymentNetwork.cards[random.index(3)])
    }

    // MARK: Helpers

    static func fixed(_ value: Double) -> ClosedRange<Double> { value...value }

    /// Four decimals: readable in the written file, and exact through it.
    static func rounded(_ value: Double) -> Double { (value * 10_000).rounded() / 10_000 }

    static func logUniform(_ low: Double, _ high: Double, _ random: inout RandomStream) -> Double {
        guard high > low, low > 0 else { return max(low, 0) }
        return low * exp(log(high / low) * random.nextUnit())
    }

    static func logUniformMilliseconds(
        _ low: Duration, _ high: Duration, _ random: inout RandomStream
    ) -> Duration {
        let drawn = logUniform(
            Double(low.nanoseconds / 1_000_000), Double(high.nanoseconds / 1_000_000), &random)
        return .milliseconds(Int64(drawn.rounded()))
    }

    static func pickCurrencies(_ count: Int, _ random: inout RandomStream) -> [Currency] {
        var pool = Currency.all
        var picked: [Currency] = []
        for _ in 0..<min(count, pool.count) { picked.append(pool.remove(at: random.index(pool.count))) }
        return picked
    }

    /// Shares that add up to 1 (within the parser's 1e-9): whole parts over their total.
    static func shares(
        _ currencies: [Currency], _ random: inout RandomStream
    ) -> [(currency: Currency, share: Double)] {
        let counts = parts(currencies.count, of: 20, &random).map { $0 + 1 }
        let total = Double(counts.reduce(0, +))
        return currencies.enumerated().map { index, currency in (currency, Double(counts[index]) / total) }
    }

    /// `count` non-negative whole numbers adding up to `total`.
    static func parts(_ count: Int, of total: Int, _ random: inout RandomStream) -> [Int] {
        var cuts = (0..<(count - 1)).map { _ in random.index(total + 1) }.sorted()
        cuts.append(total)
        var previous = 0
        return cuts.map { cut in
            defer { previous = cut }
            return cut - previous
        }
    }
}
