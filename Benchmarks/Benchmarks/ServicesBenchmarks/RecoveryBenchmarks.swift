import Benchmark
import Core
import Journal
import PaystormRuntime
import Services

/// Journal records replayed (payment transitions, bookings, answers, ledger transfers...) per
/// second of wall time.
let recordsPerSecond = BenchmarkMetric.custom("records/s", polarity: .prefersLarger, useScalingFactor: false)

let recoveryMerchants = 40
let recoveryPaymentsPerMerchant = 50

/// A Luhn-valid Visa number per payment, so that no card trips the velocity rules.
func recoveryPAN(_ number: Int) -> String {
    let body = "4" + String(String(100_000_000_000_000 + number).suffix(14))
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

/// Journals `recoveryMerchants` × `recoveryPaymentsPerMerchant` payments (automatic capture,
/// idempotency keys, every network approving in 100 ms) through a payment system on the
/// deterministic runtime, then a daily settlement. Returns the journal.
func makeRecoveryJournal() throws -> InMemoryJournal {
    let total = recoveryMerchants * recoveryPaymentsPerMerchant
    let cards = try (0..<total).map { number in
        try Card.tokenize(
            pan: recoveryPAN(number), expiryMonth: 12, expiryYear: 2030, funding: .credit, token: "tok_\(number)")
    }
    let journal = InMemoryJournal()
    let runtime = DeterministicRuntime(seed: 9)
    let approved = try runtime.run {
        var configuration = PaymentSystemConfiguration()
        configuration.webhooks.enabled = false
        configuration.journal = journal
        for kind in CardNetworkKind.allCases {
            configuration.networks[kind] = NetworkBehaviour(
                latencyMedian: .milliseconds(100), latencySigma: 0, declineRate: 0, fraudDeclineRate: 0,
                timeoutRate: 0)
        }
        let system = try PaymentSystem(runtime: runtime, configuration: configuration)
        var keys: [(MerchantID, String)] = []
        for number in 0..<recoveryMerchants {
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
                    for payment in 0..<recoveryPaymentsPerMerchant {
                        let number = index * recoveryPaymentsPerMerchant + payment
                        let request = PaymentRequest(
                            merchant: merchant,
                            amount: Money(minorUnits: Int64(1_000 + number % 50_000), currency: .usd),
                            method: .card(cards[number]), captureMethod: .automatic, customerCountry: "US",
                            deviceID: UInt64(number) + 1)
                        let response = await system.createPayment(
                            request, apiKey: secret, idempotencyKey: "order-\(number)")
                        if response.status == 200 { approved += 1 }
                    }
                    return approved
                }
            }
            return await group.reduce(0, +)
        }
        _ = await system.runDailySettlement()
        return approved
    }
    precondition(approved == total, "only \(approved) of \(total) payments approved")
    return journal
}

func recoveryBenchmarks() {
    let payments = recoveryMerchants * recoveryPaymentsPerMerchant
    Benchmark(
        "Recovery.replay journal of \(payments) payments",
        configuration: .init(
            metrics: [
                .throughput, .wallClock, .mallocCountTotal, .peakMemoryResident, recordsPerSecond,
            ],
            scalingFactor: .one, maxDuration: .seconds(5), maxIterations: 20),
        closure: { benchmark, journal in
            do {
                let clock = ContinuousClock()
                benchmark.startMeasurement()
                let start = clock.now
                let recovered = try await PaymentSystemRecovery.recover(from: journal)
                let elapsed = clock.now - start
                benchmark.stopMeasurement()
                precondition(recovered.report.invariantsHold, "\(recovered.report)")
                precondition(recovered.payments.count == payments, "\(recovered.payments.count) payments")
                benchmark.measurement(recordsPerSecond, rate(recovered.report.records, elapsed))
            } catch {
                benchmark.error("recovery: \(error)")
            }
        },
        setup: { try makeRecoveryJournal() })
}
