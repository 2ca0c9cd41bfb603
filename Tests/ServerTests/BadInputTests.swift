import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Server
import Testing

/// Bad requests get Stripe's typed errors, and the server goes on answering after each.
@Suite struct BadInputTests {
    static let key = "sk_test_bad_input_merchant"

    static func withServer(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var options = PaystormServer.Options()
        options.port = 0
        options.apiKeys = [key]
        let app = try await PaystormServer(options: options).makeApplication()
        try await app.test(.router) { client in try await body(client) }
    }

    static func post(
        _ client: any TestClientProtocol, _ path: String, _ body: String, key: String? = key,
        headers extra: HTTPFields = [:]
    ) async throws -> (status: Int, json: [String: Any]) {
        var headers = extra
        headers[.contentType] = "application/x-www-form-urlencoded"
        if let key { headers[.authorization] = "Bearer \(key)" }
        let response = try await client.execute(
            uri: path, method: .post, headers: headers, body: ByteBuffer(string: body))
        let json =
            try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any]
        #expect(response.headers[HTTPField.Name("Request-Id")!]?.hasPrefix("req_") == true)
        return (Int(response.status.code), json ?? [:])
    }

    static func error(_ json: [String: Any]) -> [String: Any] { json["error"] as? [String: Any] ?? [:] }

    /// One malformed request per case, each answered with its status, type, code and param,
    /// and a good request answered after all of them.
    @Test func eachBadRequestGetsItsStripeError() async throws {
        let cases: [(body: String, status: Int, code: String?, param: String?)] = [
            ("amount=100&currency=usd&colour=red", 400, "parameter_unknown", "colour"),
            ("amount=ten&currency=usd", 400, "parameter_invalid_integer", "amount"),
            ("amount=1e3&currency=usd", 400, "parameter_invalid_integer", "amount"),
            ("amount=99999999999999999999&currency=usd", 400, "parameter_invalid_integer", "amount"),
            ("amount=100000000&currency=usd", 400, "amount_too_large", "amount"),
            ("amount=0&currency=usd", 400, "amount_too_small", "amount"),
            ("amount=-5&currency=usd", 400, "amount_too_small", "amount"),
            ("currency=usd", 400, "parameter_missing", "amount"),
            ("amount=100", 400, "parameter_missing", "currency"),
            ("amount=100&currency=xyz", 400, "parameter_invalid", "currency"),
            ("amount=100&currency=usd&capture_method=later", 400, "parameter_invalid", "capture_method"),
            ("amount=100&currency=usd&confirm=maybe", 400, "parameter_invalid", "confirm"),
            (
                "amount=100&currency=usd&payment_method=pm_card_nope&confirm=true", 404, "resource_missing",
                "payment_method"
            ),
            ("amount=100&currency=usd&metadata[a[b]]=1", 400, "parameter_invalid", nil),
            ("amount=100&currency=usd&%ZZ=1", 400, "parameter_invalid", nil),
            (
                "amount=100&currency=usd&payment_method_types[0]=ideal", 400, "parameter_invalid",
                "payment_method_types"
            ),
        ]
        try await Self.withServer { client in
            for (body, status, code, param) in cases {
                let (answered, json) = try await Self.post(client, "/v1/payment_intents", body)
                let error = Self.error(json)
                #expect(answered == status, "\(body)")
                #expect(error["type"] as? String == "invalid_request_error", "\(body)")
                #expect(error["code"] as? String == code, "\(body)")
                if let param { #expect(error["param"] as? String == param, "\(body)") }
            }
            let (status, json) = try await Self.post(
                client, "/v1/payment_intents",
                "amount=100&currency=usd&payment_method=pm_card_visa&confirm=true")
            #expect(status == 200)
            #expect(json["status"] as? String == "succeeded")
        }
    }

    /// An endpoint the sender could never post to is refused when it is registered, naming
    /// `url`: the sender speaks plain HTTP, so `https://` is refused as well as what is not a URL.
    @Test func aWebhookEndpointThatCannotBeReachedIsRefused() async throws {
        try await Self.withServer { client in
            for url in ["https://example.com/hook", "ftp://example.com/hook", "http://", "http:///hook"] {
                let (status, json) = try await Self.post(
                    client, "/v1/webhook_endpoints", "url=\(url)&enabled_events[0]=*")
                #expect(status == 400, "\(url)")
                #expect(Self.error(json)["param"] as? String == "url", "\(url)")
            }
            let (status, json) = try await Self.post(
                client, "/v1/webhook_endpoints", "url=http://127.0.0.1:9/hook?m=1&enabled_events[0]=*")
            #expect(status == 200)
            #expect(json["url"] as? String == "http://127.0.0.1:9/hook?m=1")
        }
    }

    @Test func keysAreCheckedBeforeAnythingElse() async throws {
        try await Self.withServer { client in
            let missing = try await Self.post(
                client, "/v1/payment_intents", "amount=100&currency=usd", key: nil)
            #expect(missing.status == 401)
            #expect(Self.error(missing.json)["type"] as? String == "authentication_error")
            let unknown = try await Self.post(
                client, "/v1/payment_intents", "amount=100&currency=usd", key: "sk_test_somebody_else")
            #expect(unknown.status == 401)
            #expect(Self.error(unknown.json)["code"] as? String == "api_key_invalid")
        }
    }

    @Test func anOversizedBodyIs413AndUnknownRoutesAre404() async throws {
        try await Self.withServer { client in
            let huge = "amount=100&currency=usd&description=" + String(repeating: "x", count: 1_100_000)
            let (status, json) = try await Self.post(client, "/v1/payment_intents", huge)
            #expect(status == 413)
            #expect(Self.error(json)["code"] as? String == "request_too_large")
            let unknown = try await Self.post(client, "/v1/charges/ch_1/explode", "")
            #expect(unknown.status == 404)
            #expect(
                (Self.error(unknown.json)["message"] as? String)?.hasPrefix("Unrecognized request URL")
                    == true)
        }
    }

    @Test func anotherMerchantsPaymentIsNotFound() async throws {
        var options = PaystormServer.Options()
        options.apiKeys = [Self.key, "sk_test_second_merchant"]
        let app = try await PaystormServer(options: options).makeApplication()
        try await app.test(.router) { client in
            let (_, created) = try await Self.post(client, "/v1/payment_intents", "amount=100&currency=usd")
            let id = try #require(created["id"] as? String)
            let foreign = try await Self.post(
                client, "/v1/payment_intents/\(id)/cancel", "", key: "sk_test_second_merchant")
            #expect(foreign.status == 404)
            #expect(Self.error(foreign.json)["code"] as? String == "resource_missing")
            let own = try await Self.post(client, "/v1/payment_intents/\(id)/cancel", "")
            #expect(own.status == 200)
            #expect(own.json["status"] as? String == "canceled")
        }
    }

    @Test func aKeyReusedWithOtherParametersIsAnIdempotencyError() async throws {
        try await Self.withServer { client in
            let headers: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "k-1"]
            let body = "amount=100&currency=usd&payment_method=pm_card_visa&confirm=true"
            let first = try await Self.post(client, "/v1/payment_intents", body, headers: headers)
            let again = try await Self.post(client, "/v1/payment_intents", body, headers: headers)
            #expect(first.json["id"] as? String == again.json["id"] as? String)
            let other = try await Self.post(
                client, "/v1/payment_intents", body.replacingOccurrences(of: "100", with: "200"),
                headers: headers)
            #expect(other.status == 400)
            #expect(Self.error(other.json)["type"] as? String == "idempotency_error")
        }
    }
}
