import Benchmark
import Services

let signatureCount = 20_000

/// A payment_intent.succeeded event of about 1 KiB, as the dispatcher sends.
let webhookPayload: [UInt8] = {
    var json = #"{"id":"evt_0000000000000001","object":"event","type":"payment_intent.succeeded","data":{"object":{"#
    json += #""id":"pi_0000000000000001","object":"payment_intent","amount":2000,"currency":"usd","status":"succeeded","#
    json += #""metadata":{"#
    json += (0..<24).map { #""k\#($0)":"value-\#($0)-abcdefghij""# }.joined(separator: ",")
    json += "}}}}"
    return Array(json.utf8)
}()

let webhookSecret = "whsec_benchmark_0123456789abcdefghijklmnopqrstuvwxyz"
let webhookTimestamp: Int64 = 1_767_225_600

func webhookSigningBenchmarks() {
    let key = WebhookSigningKey(secret: webhookSecret)
    // A rotation in progress: the header carries a signature under the old and the new secret.
    let rotatedKeys = [WebhookSigningKey(secret: webhookSecret + "_old"), key]

    Benchmark("Services.webhook sign \(signatureCount) headers, WebhookSigningKey") { benchmark in
        measureRate(benchmark, operations: signatureCount) {
            for number in 0..<signatureCount {
                blackHole(
                    WebhookSigner.header(
                        payload: webhookPayload, keys: [key], timestamp: webhookTimestamp + Int64(number)))
            }
        }
    }

    Benchmark("Services.webhook sign \(signatureCount) headers, two keys (rotation)") { benchmark in
        measureRate(benchmark, operations: signatureCount) {
            for number in 0..<signatureCount {
                blackHole(
                    WebhookSigner.header(
                        payload: webhookPayload, keys: rotatedKeys, timestamp: webhookTimestamp + Int64(number)))
            }
        }
    }

    Benchmark("Services.webhook sign \(signatureCount) headers, String secret") { benchmark in
        measureRate(benchmark, operations: signatureCount) {
            for number in 0..<signatureCount {
                blackHole(
                    WebhookSigner.header(
                        payload: webhookPayload, secret: webhookSecret, timestamp: webhookTimestamp + Int64(number)))
            }
        }
    }

    let header = WebhookSigner.header(payload: webhookPayload, keys: rotatedKeys, timestamp: webhookTimestamp)

    Benchmark("Services.webhook verify \(signatureCount) headers, WebhookSigningKey") { benchmark in
        do {
            try measureRate(benchmark, operations: signatureCount) {
                for _ in 0..<signatureCount {
                    blackHole(
                        try WebhookSigner.verify(
                            payload: webhookPayload, header: header, key: key, now: webhookTimestamp + 10))
                }
            }
        } catch {
            benchmark.error("verify: \(error)")
        }
    }

    Benchmark("Services.webhook verify \(signatureCount) headers, String secret") { benchmark in
        do {
            try measureRate(benchmark, operations: signatureCount) {
                for _ in 0..<signatureCount {
                    blackHole(
                        try WebhookSigner.verify(
                            payload: webhookPayload, header: header, secret: webhookSecret,
                            now: webhookTimestamp + 10))
                }
            }
        } catch {
            benchmark.error("verify: \(error)")
        }
    }
}
