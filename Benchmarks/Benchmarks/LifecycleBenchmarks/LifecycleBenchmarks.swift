import Benchmark
import Core
import Ledger
import PaystormRuntime
import Services

/// Payments created (authorized and captured, or refused) per second of wall time, through the
/// whole processor: gateway, idempotency, fraud, network, ledger.
let paymentsPerSecond = BenchmarkMetric.custom(
    "payments/s", polarity: .prefersLarger, useScalingFactor: false)
/// Payments that came back 200 (an approval the benchmark would be meaningless without).
let paymentsApproved = BenchmarkMetric.custom("approved", polarity: .prefersLarger, useScalingFactor: false)

/// 100 merchants with 100 payments each: the gateway allows a merchant a burst of 200, so no
/// request is rate limited.
let merchantCount = 100
let paymentsPerMerchant = 100

/// A Luhn-valid 16-digit Visa number per payment, so that no card trips the fraud engine's
/// velocity rules (they count per card fingerprint).
func pan(_ number: Int) -> String {
    let body = "424242424" + String(String(number + 1_000_000).suffix(6))
    var sum = 0
    for (offset, character) in body.reversed().enumerated() {
        var digit = Int(character.asciiValue! - 48)
        if offset % 2 == 0 {
            digit *= 2
            if digit > 9 { digit -= 9 }
        }
        sum += digit
    }
    return body + String((10 - sum % 10) % 10)
}

/// A processor whose networks approve everything in 100 ms and never time out, as in the
/// services tests.
func makeSystem(_ runtime: any Runtime, webhooks: Bool) throws -> PaymentSystem {
    var configuration = PaymentSystemConfiguration()
    configuration.webhooks.enabled = webhooks
    configuration.webhooks.failureProbability = 0
    for kind in CardNetworkKind.allCases {
        configuration.networks[kind] = NetworkBehaviour(
            latencyMedian: .milliseconds(100), latencySigma: 0, declineRate: 0, fraudDeclineRate: 0,
            timeoutRate: 0)
    }
    return try PaymentSystem(runtime: runtime, configuration: configuration)
}

/// Onboards the merchants, then each merchant's task creates its payments one after another
/// (automatic capture), and waits for the webhooks. Returns how many were approved. The same
/// code for both runtimes: the runtime the system was built with decides where tasks run.
func payEveryMerchant(_ system: PaymentSystem, cards: [Card]) async throws -> Int {
    var keys: [(MerchantID, String)] = []
    for number in 0..<merchantCount {
        let merchant = MerchantID(UInt64(number) + 1)
        guard let key = try await system.onboard(merchant, settlementCurrency: .usd) else {
            preconditionFailure("onboarding \(merchant) failed")
        }
        keys.append((merchant, key.secret))
    }
    let approved = await withTaskGroup(of: Int.self) { group in
        for (index, (merchant, secret)) in keys.enumerated() {
            group.addTask {
                var approved = 0
                for payment in 0..<paymentsPerMerchant {
                    let number = index * paymentsPerMerchant + payment
                    let request = PaymentRequest(
                        merchant: merchant,
                        amount: Money(minorUnits: Int64(1_000 + number % 50_000), currency: .usd),
                        method: .card(cards[number]), captureMethod: .automatic, customerCountry: "US",
                        deviceID: UInt64(number) + 1)
                    if await system.createPayment(request, apiKey: secret).status == 200 { approved += 1 }
                }
                return approved
            }
        }
        return await group.reduce(0, +)
    }
    if let webhooks = system.webhooks { await webhooks.waitUntilIdle() }
    return approved
}

/// `payEveryMerchant` on the deterministic runtime (one thread, virtual time).
func runPayments(_ runtime: DeterministicRuntime, cards: [Card], webhooks: Bool) throws -> Int {
    try runtime.run {
        try await payEveryMerchant(try makeSystem(runtime, webhooks: webhooks), cards: cards)
    }
}

/// The same processor for the concurrent runtime, where network and webhook latencies are real
/// sleeps: they are zero here, so the run measures the pipeline's CPU cost on the global pool
/// rather than 100 ms waits.
func makeConcurrentSystem(_ runtime: ConcurrentRuntime, webhooks: Bool) throws -> PaymentSystem {
    var configuration = PaymentSystemConfiguration()
    configuration.webhooks.enabled = webhooks
    configuration.webhooks.failureProbability = 0
    configuration.webhooks.latencyMedian = .zero
    for kind in CardNetworkKind.allCases {
        configuration.networks[kind] = NetworkBehaviour(
            latencyMedian: .zero, latencySigma: 0, declineRate: 0, fraudDeclineRate: 0, timeoutRate: 0)
    }
    return try PaymentSystem(runtime: runtime, configuration: configuration)
}

/// `payEveryMerchant` on the concurrent runtime: plain async code, one child task per merchant
/// on the global concurrent pool, the interleaving the operating system's.
func runConcurrentPayments(_ runtime: ConcurrentRuntime, cards: [Card], webhooks: Bool) async throws -> Int {
    try await payEveryMerchant(try makeConcurrentSystem(runtime, webhooks: webhooks), cards: cards)
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [
            .throughput, .wallClock, .mallocCountTotal, .peakMemoryResident, paymentsPerSecond,
            paymentsApproved,
        ],
        scalingFactor: .one,
        maxDuration: .seconds(10),
        maxIterations: 10)

    let total = merchantCount * paymentsPerMerchant
    for webhooks in [false, true] {
        Benchmark(
            "Lifecycle.deterministic \(total) payments, automatic capture, webhooks \(webhooks ? "on" : "off")"
        ) { benchmark in
            let cards = try (0..<total).map { number in
                try Card.tokenize(
                    pan: pan(number), expiryMonth: 12, expiryYear: 2030, funding: .credit,
                    token: "tok_\(number)")
            }
            let clock = ContinuousClock()
            benchmark.startMeasurement()
            let start = clock.now
            let approved = try runPayments(DeterministicRuntime(seed: 21), cards: cards, webhooks: webhooks)
            let elapsed = clock.now - start
            benchmark.stopMeasurement()
            let nanoseconds =
                elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
            benchmark.measurement(paymentsPerSecond, Int(Int64(total) * 1_000_000_000 / max(nanoseconds, 1)))
            benchmark.measurement(paymentsApproved, approved)
        }
        Benchmark(
            "Lifecycle.concurrent \(total) payments, automatic capture, webhooks \(webhooks ? "on" : "off")",
            configuration: .init(
                metrics: Benchmark.defaultConfiguration.metrics, scalingFactor: .one,
                maxDuration: .seconds(10), maxIterations: 5)
        ) { benchmark in
            let cards = try (0..<total).map { number in
                try Card.tokenize(
                    pan: pan(number), expiryMonth: 12, expiryYear: 2030, funding: .credit,
                    token: "tok_\(number)")
            }
            let clock = ContinuousClock()
            benchmark.startMeasurement()
            let start = clock.now
            let approved = try await runConcurrentPayments(
                ConcurrentRuntime(seed: 21), cards: cards, webhooks: webhooks)
            let elapsed = clock.now - start
            benchmark.stopMeasurement()
            let nanoseconds =
                elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
            benchmark.measurement(paymentsPerSecond, Int(Int64(total) * 1_000_000_000 / max(nanoseconds, 1)))
            benchmark.measurement(paymentsApproved, approved)
        }
    }
}
