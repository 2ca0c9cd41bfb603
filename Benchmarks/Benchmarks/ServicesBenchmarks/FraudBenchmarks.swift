import Benchmark
import Core
import PaystormRuntime
import Services

let fraudAssessmentCount = 20_000

/// Payments on 5,000 cards (four attempts each, under the velocity limit), from a few countries
/// and devices, with amounts that vary enough to exercise the spike and small-amount features.
func makeFraudInputs(_ count: Int) throws -> [FraudInput] {
    let countries = ["US", "US", "US", "GB", "DE", "FR", "BR"]
    return try (0..<count).map { number in
        let card = UInt64(number % 5_000)
        return try FraudInput(
            fingerprint: 0x5EED_0000_0000 &+ card &* 0x9E37_79B9,
            amount: Money(minorUnits: Int64(50 + (number * 7_919) % 200_000), currency: .usd),
            country: countries[(number / 5_000 + Int(card)) % countries.count],
            deviceID: card * 4 + UInt64(number % 3),
            isFraudulentTruth: number % 50 == 0)
    }
}

func fraudBenchmarks() {
    // The rule and model halves as pure values: features, hard rules, then the logistic score.
    Benchmark(
        "Services.fraud rules+model \(fraudAssessmentCount) evaluations",
        closure: { benchmark, inputs in
            do {
                try measureRate(benchmark, operations: inputs.count) {
                    var rules = try FraudRules()
                    let model = FraudModel.shipped
                    var now = SimTime(nanoseconds: 1_000_000_000)
                    var blocked = 0
                    var total = 0
                    for input in inputs {
                        now = now + .milliseconds(5)
                        let signals = rules.evaluate(input, now: now)
                        let score = model.score(signals.features)
                        let decision = signals.hardBlock ? .block : FraudThresholds.standard.decision(for: score)
                        if decision == .approve || decision == .review { rules.learn(input) }
                        if decision == .block { blocked += 1 }
                        total &+= score.value
                    }
                    blackHole(blocked)
                    blackHole(total)
                }
            } catch {
                benchmark.error("fraud rules: \(error)")
            }
        },
        setup: { try makeFraudInputs(fraudAssessmentCount) })

    // The engine as the orchestrator calls it: one awaited assessment at a time, routed to one
    // of 8 shard actors by card fingerprint.
    Benchmark(
        "Services.fraud engine 8 shards \(fraudAssessmentCount) assessments sequential",
        closure: { benchmark, inputs in
            do {
                let engine = try FraudEngine(runtime: ConcurrentRuntime(seed: 3), shardCount: 8)
                await measureRateAsync(benchmark, operations: inputs.count) {
                    var interventions = 0
                    for input in inputs where await engine.assess(input).decision.isIntervention {
                        interventions += 1
                    }
                    blackHole(interventions)
                }
            } catch {
                benchmark.error("fraud engine: \(error)")
            }
        },
        setup: { try makeFraudInputs(fraudAssessmentCount) })

    // Many callers at once: 16 tasks split the inputs, the shards score in parallel.
    Benchmark(
        "Services.fraud engine 8 shards \(fraudAssessmentCount) assessments 16 tasks",
        closure: { benchmark, inputs in
            do {
                let engine = try FraudEngine(runtime: ConcurrentRuntime(seed: 3), shardCount: 8)
                await measureRateAsync(benchmark, operations: inputs.count) {
                    let interventions = await withTaskGroup(of: Int.self) { group in
                        for task in 0..<16 {
                            group.addTask {
                                var interventions = 0
                                for index in stride(from: task, to: inputs.count, by: 16)
                                where await engine.assess(inputs[index]).decision.isIntervention {
                                    interventions += 1
                                }
                                return interventions
                            }
                        }
                        return await group.reduce(0, +)
                    }
                    blackHole(interventions)
                }
            } catch {
                benchmark.error("fraud engine: \(error)")
            }
        },
        setup: { try makeFraudInputs(fraudAssessmentCount) })
}
