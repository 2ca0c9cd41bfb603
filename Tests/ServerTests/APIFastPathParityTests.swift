import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import Server

/// Each route the fast path answers, and its errors, answered over a socket by two servers
/// made alike, one with the fast path and one with every request on Hummingbird's router: the
/// same bytes on the wire, status line, header names and values in the same order and body
/// (but the `Date` and `Request-Id` values and the seconds each reads from its clock:
/// `created`, `canceled_at`). That the fast
/// server's answers do come from the pipeline is `APIFastPathTests`' to check.
@Suite struct APIFastPathParityTests {
    static let key = "sk_test_parity_merchant"

    struct Exchange {
        var method: HTTPRequest.Method
        var path: String
        var body: String?
        var idempotencyKey: String?
        var key: String? = APIFastPathParityTests.key
        /// What both answer: each exchange is one the route really takes, or the error meant.
        var status: Int

        init(
            _ status: Int, _ method: HTTPRequest.Method, _ path: String, _ body: String? = nil,
            idempotencyKey: String? = nil, key: String? = APIFastPathParityTests.key
        ) {
            self.status = status
            self.method = method
            self.path = path
            self.body = body
            self.idempotencyKey = idempotencyKey
            self.key = key
        }

        /// Sent without a `Connection` header: the fast path hands those to the router.
        func rawRequest() -> String {
            RawHTTP.request(method.rawValue, path, key: key, idempotencyKey: idempotencyKey, body: body)
        }
    }

    /// Every fast route, with and without an error, in an order where each finds what it needs.
    static let exchanges: [Exchange] = [
        Exchange(
            200, .post, "/admin/merchants", "api_key=sk_test_parity_second&settlement_currency=eur", key: nil),
        Exchange(400, .post, "/admin/merchants", "settlement_currency=xxx", key: nil),
        Exchange(
            200, .post, "/v1/payment_intents",
            "amount=2000&currency=usd&payment_method=pm_card_visa&confirm=true"),
        Exchange(
            200, .post, "/v1/payment_intents",
            "amount=1500&currency=usd&payment_method=pm_card_visa&confirm=true&capture_method=manual",
            idempotencyKey: "parity-1"),
        Exchange(
            200, .post, "/v1/payment_intents",
            "amount=1500&currency=usd&payment_method=pm_card_visa&confirm=true&capture_method=manual",
            idempotencyKey: "parity-1"),
        Exchange(
            200, .post, "/v1/payment_intents",
            "amount=900&currency=usd&payment_method=pm_card_visa&confirm=true&capture_method=manual"),
        Exchange(400, .post, "/v1/payment_intents", "amount=-1&currency=usd"),
        Exchange(401, .post, "/v1/payment_intents", "amount=100&currency=usd", key: nil),
        Exchange(200, .get, "/v1/payment_intents/pi_00000000000001"),
        Exchange(200, .get, "/v1/payment_intents/pi_00000000000001?expand[]=latest_charge"),
        Exchange(400, .get, "/v1/payment_intents/pi_00000000000001?colour=blue"),
        Exchange(404, .get, "/v1/payment_intents/pi_00000000000099"),
        Exchange(200, .post, "/v1/payment_intents/pi_00000000000002/capture", "amount_to_capture=1000"),
        Exchange(400, .post, "/v1/payment_intents/pi_00000000000002/capture"),
        Exchange(200, .post, "/v1/payment_intents/pi_00000000000003/cancel", "cancellation_reason=duplicate"),
        Exchange(404, .post, "/v1/payment_intents/pi_00000000000099/cancel"),
        Exchange(200, .post, "/v1/refunds", "payment_intent=pi_00000000000001&amount=500"),
        Exchange(400, .post, "/v1/refunds", "payment_intent=pi_00000000000001&amount=999999"),
        Exchange(200, .get, "/v1/payment_intents/search?query=status:'succeeded'&limit=10"),
        Exchange(400, .get, "/v1/payment_intents/search?query=colour:'blue'"),
        Exchange(200, .get, "/v1/payouts?limit=10"),
        Exchange(400, .get, "/v1/payouts?limit=0"),
        Exchange(200, .get, "/v1/balance"),
        Exchange(400, .get, "/v1/balance?colour=blue"),
        Exchange(401, .get, "/v1/balance", key: "sk_test_nobody"),
    ]

    @Test func fastRoutesAnswerAsTheRouterDoes() async throws {
        var options = PaystormServer.Options()
        options.port = 0
        options.apiKeys = [Self.key]
        let fast = try await PaystormServer(options: options).makeApplication()
        var routerOnly = try PaystormServer(options: options)
        routerOnly.answersInPipeline = false
        let router = try await routerOnly.makeApplication()
        try await fast.test(.live) { fastClient in
            try await router.test(.live) { routerClient in
                let fast = try RawHTTP.Connection(port: fastClient.port!)
                let router = try RawHTTP.Connection(port: routerClient.port!)
                for exchange in Self.exchanges {
                    let request = exchange.rawRequest()
                    let fastAnswer = RawHTTP.comparable(try fast.exchange(request))
                    let routerAnswer = RawHTTP.comparable(try router.exchange(request))
                    let name = "\(exchange.method) \(exchange.path) \(exchange.body ?? "")"
                    #expect(fastAnswer.hasPrefix("HTTP/1.1 \(exchange.status) "), "\(name): \(fastAnswer)")
                    #expect(fastAnswer == routerAnswer, "\(name)")
                }
            }
        }
    }
}
