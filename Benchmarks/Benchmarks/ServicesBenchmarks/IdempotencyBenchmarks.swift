import Benchmark
import Core
import PaystormRuntime
import Services

let idempotencyKeyCount = 20_000

/// One key per request across 100 merchants, and the fingerprint of a create-payment request.
func makeIdempotencyKeys(_ count: Int) throws -> [IdempotencyKey] {
    try (0..<count).map { number in
        try IdempotencyKey(merchant: MerchantID(UInt64(number % 100) + 1), value: "order-\(number)")
    }
}

let paymentFingerprint = RequestFingerprint(
    method: "POST", path: "/v1/payment_intents",
    parameters: ["amount": "2000", "currency": "usd", "payment_method": "pm_card_visa", "capture_method": "automatic"])

let storedResponse = StoredResponse(status: 200, text: #"{"id":"pi_0000000000000001","status":"succeeded"}"#)

func idempotencyBenchmarks() {
    // Each key is begun, completed, then retried (a replay): three decisions per key.
    Benchmark(
        "Services.idempotency state machine \(idempotencyKeyCount) keys begin+complete+replay",
        closure: { benchmark, keys in
            measureRate(benchmark, operations: keys.count * 3) {
                var machine = IdempotencyStateMachine()
                var now = SimTime.zero
                var replayed = 0
                for key in keys {
                    now = now + .microseconds(10)
                    guard case .proceed(let token) = machine.begin(key, fingerprint: paymentFingerprint, now: now)
                    else { preconditionFailure("\(key) not fresh") }
                    machine.complete(token, response: storedResponse, now: now)
                }
                for key in keys {
                    if case .replay = machine.begin(key, fingerprint: paymentFingerprint, now: now) { replayed += 1 }
                }
                precondition(replayed == keys.count)
                blackHole(machine.statistics)
            }
        },
        setup: { try makeIdempotencyKeys(idempotencyKeyCount) })

    // The same through the store (its lock, and the clock from a concurrent runtime).
    Benchmark(
        "Services.idempotency store \(idempotencyKeyCount) keys begin+complete+replay",
        closure: { benchmark, keys in
            await measureRateAsync(benchmark, operations: keys.count * 3) {
                let store = IdempotencyStore(runtime: ConcurrentRuntime(seed: 1))
                var replayed = 0
                for key in keys {
                    guard case .proceed(let token) = store.begin(key, fingerprint: paymentFingerprint)
                    else { preconditionFailure("\(key) not fresh") }
                    store.complete(token, response: storedResponse)
                }
                for key in keys {
                    if case .replay = store.begin(key, fingerprint: paymentFingerprint) { replayed += 1 }
                }
                precondition(replayed == keys.count)
                blackHole(store.statistics())
            }
        },
        setup: { try makeIdempotencyKeys(idempotencyKeyCount) })

    // The gate as the API gateway uses it: perform runs each operation once, the retry replays.
    Benchmark(
        "Services.idempotency gate \(idempotencyKeyCount) keys perform+retry",
        closure: { benchmark, keys in
            do {
                try await measureRateAsync(benchmark, operations: keys.count * 2) {
                    let gate = IdempotencyGate(store: IdempotencyStore(runtime: ConcurrentRuntime(seed: 1)))
                    var executed = 0
                    var replayed = 0
                    for pass in 0..<2 {
                        for key in keys {
                            let result = try await gate.perform(key: key, fingerprint: paymentFingerprint) {
                                .completed(storedResponse)
                            }
                            switch result {
                            case .executed: executed += 1
                            case .replayed: replayed += 1
                            case .rejected: preconditionFailure("rejected on pass \(pass)")
                            }
                        }
                    }
                    precondition(executed == keys.count && replayed == keys.count)
                }
            } catch {
                benchmark.error("gate: \(error)")
            }
        },
        setup: { try makeIdempotencyKeys(idempotencyKeyCount) })
}
