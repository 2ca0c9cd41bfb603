import Benchmark
import BenchmarkSupport
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

/// A processor whose networks approve everything in 100 ms and never time out.
func makeSystem(_ runtime: any Runtime, webhooks: Bool) throws -> PaymentSystem {
    try PaymentSystem(
        runtime: runtime, configuration: approvingConfiguration(networkLatency: .milliseconds(100), webhooks: webhooks))
}

/// `payEveryMerchant` on the deterministic runtime (one thread, virtual time).
func runPayments(_ runtime: DeterministicRuntime, cards: [Card], webhooks: Bool) throws -> Int {
    try runtime.run {
        try await payEveryMerchant(
            try makeSystem(runtime, webhooks: webhooks), merchants: merchantCount,
            paymentsPerMerchant: paymentsPerMerchant, cards: cards, idempotencyKeys: false)
    }
}

/// The same processor for the concurrent runtime, where network and webhook latencies are real
/// sleeps: they are zero here, so the run measures the pipeline's CPU cost on the global pool
/// rather than 100 ms waits.
func makeConcurrentSystem(_ runtime: ConcurrentRuntime, webhooks: Bool) throws -> PaymentSystem {
    var configuration = approvingConfiguration(networkLatency: .zero, webhooks: webhooks)
    configuration.webhooks.latencyMedian = .zero
    return try PaymentSystem(runtime: runtime, configuration: configuration)
}

/// `payEveryMerchant` on the concurrent runtime: plain async code, one child task per merchant
/// on the global concurrent pool, the interleaving the operating system's.
func runConcurrentPayments(_ runtime: ConcurrentRuntime, cards: [Card], webhooks: Bool) async throws -> Int {
    try await payEveryMerchant(
        try makeConcurrentSystem(runtime, webhooks: webhooks), merchants: merchantCount,
        paymentsPerMerchant: paymentsPerMerchant, cards: cards, idempotencyKeys: false)
}

/// The lifecycle figures of one iteration: payments/s over `elapsed`, and the approvals.
func record(_ benchmark: Benchmark, payments: Int, approved: Int, in elapsed: Duration) {
    let nanoseconds =
        elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
    benchmark.measurement(paymentsPerSecond, Int(Int64(payments) * 1_000_000_000 / max(nanoseconds, 1)))
    benchmark.measurement(paymentsApproved, approved)
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
            let cards = try benchmarkCards(count: total)
            let clock = ContinuousClock()
            benchmark.startMeasurement()
            let start = clock.now
            let approved = try runPayments(DeterministicRuntime(seed: 21), cards: cards, webhooks: webhooks)
            let elapsed = clock.now - start
            benchmark.stopMeasurement()
            record(benchmark, payments: total, approved: approved, in: elapsed)
        }
        Benchmark(
            "Lifecycle.concurrent \(total) payments, automatic capture, webhooks \(webhooks ? "on" : "off")",
            configuration: .init(
                metrics: Benchmark.defaultConfiguration.metrics, scalingFactor: .one,
                maxDuration: .seconds(10), maxIterations: 5)
        ) { benchmark in
            let cards = try benchmarkCards(count: total)
            let clock = ContinuousClock()
            benchmark.startMeasurement()
            let start = clock.now
            let approved = try await runConcurrentPayments(
                ConcurrentRuntime(seed: 21), cards: cards, webhooks: webhooks)
            let elapsed = clock.now - start
            benchmark.stopMeasurement()
            record(benchmark, payments: total, approved: approved, in: elapsed)
        }
    }
}
