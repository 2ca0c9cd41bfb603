import Benchmark
import Core
import PaystormRuntime
import Services

/// Operations (one idempotent request, one fraud assessment, one signature) per second of wall
/// time.
let operationsPerSecond = BenchmarkMetric.custom("ops/s", polarity: .prefersLarger, useScalingFactor: false)

/// Runs `body`, which performs `operations` operations, between the benchmark's start and stop
/// and reports their rate.
func measureRate(
    _ benchmark: Benchmark, operations: Int, metric: BenchmarkMetric = operationsPerSecond,
    _ body: () throws -> Void
) rethrows {
    let clock = ContinuousClock()
    benchmark.startMeasurement()
    let start = clock.now
    try body()
    let elapsed = clock.now - start
    benchmark.stopMeasurement()
    benchmark.measurement(metric, rate(operations, elapsed))
}

/// The async form of `measureRate`.
func measureRateAsync(
    _ benchmark: Benchmark, operations: Int, metric: BenchmarkMetric = operationsPerSecond,
    _ body: () async throws -> Void
) async rethrows {
    let clock = ContinuousClock()
    benchmark.startMeasurement()
    let start = clock.now
    try await body()
    let elapsed = clock.now - start
    benchmark.stopMeasurement()
    benchmark.measurement(metric, rate(operations, elapsed))
}

func rate(_ operations: Int, _ elapsed: Duration) -> Int {
    let nanoseconds =
        elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
    return Int(Int64(operations) * 1_000_000_000 / max(nanoseconds, 1))
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal, .peakMemoryResident, operationsPerSecond],
        scalingFactor: .one,
        maxDuration: .seconds(3),
        maxIterations: 20)

    idempotencyBenchmarks()
    fraudBenchmarks()
    webhookSigningBenchmarks()
    recoveryBenchmarks()
}
