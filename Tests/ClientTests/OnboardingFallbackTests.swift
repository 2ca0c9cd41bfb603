import Core
import Hummingbird
import Synchronization
import Testing

@testable import Client

/// Onboarding against a server that does not know `webhook_url` (an older `paystorm serve`):
/// the runner falls back to registering the endpoint in a second request, and remembers to.
@Suite struct OnboardingFallbackTests {
    /// Requests an older server saw: onboardings refused, onboardings made, endpoints made.
    final class Seen: Sendable {
        let counts = Mutex((refused: 0, onboarded: 0, endpoints: 0))
    }

    @Test func anOlderServerGetsTheEndpointInASecondRequest() async throws {
        let seen = Seen()
        let router = Router()
        router.post("/admin/merchants") { request, _ -> Response in
            let body = String(buffer: try await request.body.collect(upTo: 1 << 16))
            if body.contains("webhook_url") {
                seen.counts.withLock { $0.refused += 1 }
                return Self.json(
                    400,
                    "{\"error\":{\"type\":\"invalid_request_error\",\"code\":\"parameter_unknown\","
                        + "\"param\":\"webhook_url\",\"message\":\"Received unknown parameter: webhook_url\"}}"
                )
            }
            seen.counts.withLock { $0.onboarded += 1 }
            return Self.json(
                200, "{\"id\":\"acct_1\",\"object\":\"account\",\"secret_key\":\"sk_test_older\"}")
        }
        router.post("/v1/webhook_endpoints") { _, _ -> Response in
            seen.counts.withLock { $0.endpoints += 1 }
            return Self.json(
                200, "{\"id\":\"we_1\",\"object\":\"webhook_endpoint\",\"secret\":\"whsec_older\"}")
        }
        let server = try await LoopbackServer.start(router, label: "onboarding-fallback-test")
        let receiver = try await WebhookReceiver.start()
        let target = HTTPPaymentTarget(baseURL: "http://127.0.0.1:\(server.port)", receiver: receiver)
        #expect(try await target.onboard(MerchantID(1), settlementCurrency: .usd) == "sk_test_older")
        #expect(try await target.onboard(MerchantID(2), settlementCurrency: .eur) == "sk_test_older")
        let counts = seen.counts.withLock { $0 }
        // Refused once; from then on two requests an onboarding.
        #expect(counts.refused == 1)
        #expect(counts.onboarded == 2)
        #expect(counts.endpoints == 2)
        try await target.shutdown()
        await receiver.stop()
        await server.stop()
    }

    static func json(_ status: Int, _ body: String) -> Response {
        Response(
            status: .init(code: status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
