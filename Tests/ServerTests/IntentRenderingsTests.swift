import Core
import HTTPTypes
import NIOCore
import Services
import Testing

@testable import Server

/// A PaymentIntent's kept rendering: the same bytes a fresh rendering writes, through a change
/// of its details and of its state, and no more than `countMax` payments kept.
@Suite struct IntentRenderingsTests {
    static func request(
        _ method: HTTPRequest.Method, _ path: String, _ body: String = "", key: String
    ) throws -> APIRequest {
        var head = HTTPRequest(method: method, scheme: "http", authority: "127.0.0.1", path: path)
        head.headerFields[.authorization] = "Bearer \(key)"
        return try APIRequest(head: head, body: ByteBuffer(string: body))
    }

    static func backend() async throws -> ServerBackend {
        try await ServerBackend(
            configuration: ServerBackend.quietConfiguration(rateLimitPerSecond: 1_000, burst: 1_000),
            settlementCurrency: .usd, sender: WebhookSender(), address: ServerAddress("http://127.0.0.1:1"),
            seed: 1)
    }

    @Test func answersMatchAFreshRenderingAcrossChanges() async throws {
        let backend = try await Self.backend()
        let key = try await backend.onboard().1
        let api = StripeAPI(backend: { backend })
        let created = try await api.createPaymentIntent(
            Self.request(
                .post, "/v1/payment_intents",
                "amount=500&currency=usd&confirm=true&payment_method=pm_card_visa&capture_method=manual",
                key: key))
        #expect(created.status == 200)
        guard case .string(let text)? = JSON(parsing: created.body)?["id"] else {
            Issue.record("no id in \(created.body)")
            return
        }
        let id = try PaymentID(parsing: text)
        func fresh() throws -> String {
            let record = try #require(backend.system.paymentNow(id))
            return StripeRenderer.paymentIntent(record, backend.store.details(id), baseURL: backend.baseURL)
                .serialized
        }
        func retrieve() throws -> String {
            try api.retrievePaymentIntent(
                Self.request(.get, "/v1/payment_intents/\(text)", key: key), id: text
            )
            .body
        }
        #expect(try retrieve() == fresh())
        #expect(try retrieve() == created.body)
        backend.store.update(id) { $0.description = "changed" }
        #expect(try retrieve() == fresh())
        #expect(try retrieve().contains(#""description":"changed""#))
        let captured = try await api.capturePaymentIntent(
            Self.request(.post, "/v1/payment_intents/\(text)/capture", key: key), id: text)
        #expect(captured.status == 200)
        #expect(captured.body == (try fresh()))
        #expect(captured.body.contains(#""status":"succeeded""#))
        #expect(try retrieve() == captured.body)
    }

    @Test func keepsAtMostCountMaxFirstInFirstOut() async throws {
        let backend = try await Self.backend()
        let key = try await backend.onboard().1
        let answer = try await StripeAPI(backend: { backend }).createPaymentIntent(
            Self.request(
                .post, "/v1/payment_intents",
                "amount=500&currency=usd&confirm=true&payment_method=pm_card_visa",
                key: key))
        guard case .string(let text)? = JSON(parsing: answer.body)?["id"] else {
            Issue.record("no id in \(answer.body)")
            return
        }
        let record = try #require(backend.system.paymentNow(try PaymentID(parsing: text)))
        var renderings = IntentRenderings()
        let key1 = IntentRenderings.Key(record, detailsRevision: 1)
        for index in 1...(IntentRenderings.countMax + 10) {
            renderings.keep([UInt8(index % 256)], of: PaymentID(UInt64(index)), key: key1, baseURL: "b")
        }
        #expect(renderings.count == IntentRenderings.countMax)
        #expect(renderings.bytes(of: PaymentID(10), key: key1, baseURL: "b") == nil)
        #expect(renderings.bytes(of: PaymentID(11), key: key1, baseURL: "b") == [11])
        // Another revision of the details, or another base URL, is not the kept rendering.
        let key2 = IntentRenderings.Key(record, detailsRevision: 2)
        #expect(renderings.bytes(of: PaymentID(11), key: key2, baseURL: "b") == nil)
        #expect(renderings.bytes(of: PaymentID(11), key: key1, baseURL: "c") == nil)
        // Kept again in place: still one entry, its place unchanged.
        renderings.keep([1], of: PaymentID(11), key: key2, baseURL: "b")
        #expect(renderings.count == IntentRenderings.countMax)
        #expect(renderings.bytes(of: PaymentID(11), key: key2, baseURL: "b") == [1])
    }
}
