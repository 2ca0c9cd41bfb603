import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

@testable import Server

/// The read routes answered on the event loop: which requests it takes, that it answers them
/// with the headers every answer carries, and that it never answers ahead of a request handed
/// on to Hummingbird (HTTP/1 answers leave in the order the requests came).
@Suite struct ReadFastPathTests {
    @Test(arguments: [
        ("/v1/payment_intents/pi_00000000000001", true),
        ("/v1/payment_intents/pi_00000000000001?expand[]=x", true),
        ("/v1/payment_intents/search?query=status:'succeeded'", true),
        ("/v1/payouts?limit=10", true),
        ("/v1/payment_intents", false),
        ("/v1/payment_intents/", false),
        ("/v1/payment_intents/pi_1/capture", false),
        ("/v1/payment_intents/pi%5F1", false),
        ("/v1/balance", false),
        ("/dashboard", false),
    ])
    func takesTheReadRoutesOnly(path: String, taken: Bool) {
        #expect((ReadFastPath.read(method: .get, path: path) != nil) == taken)
        #expect(ReadFastPath.read(method: .post, path: path) == nil)
    }

    @Test func answersInOrderBehindRequestsHandedOn() async throws {
        let backend = try await ServerBackend(
            configuration: ServerBackend.quietConfiguration(rateLimitPerSecond: 100, burst: 100),
            settlementCurrency: .usd, sender: WebhookSender(), address: ServerAddress("http://127.0.0.1:1"),
            seed: 1)
        let (_, key) = try await backend.onboard()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([
            HTTPConnectionStateHandler(idleTimeout: nil, logger: Logger(label: "test")),
            ReadFastPath.Responder(api: StripeAPI(backend: { backend }), serverName: "paystorm"),
        ])
        func send(_ method: HTTPRequest.Method, _ path: String) throws {
            var head = HTTPRequest(method: method, scheme: nil, authority: nil, path: path)
            head.headerFields[.authorization] = "Bearer \(key)"
            try channel.writeInbound(HTTPRequestPart.head(head))
            try channel.writeInbound(HTTPRequestPart.end(nil))
        }
        // A write goes on to Hummingbird, and so does a read behind it until it is answered.
        try send(.post, "/v1/payment_intents")
        try send(.get, "/v1/payment_intents/pi_00000000000009")
        var handedOn: [String] = []
        while let part = try channel.readInbound(as: HTTPRequestPart.self) {
            if case .head(let head) = part { handedOn.append(head.path ?? "") }
        }
        #expect(handedOn == ["/v1/payment_intents", "/v1/payment_intents/pi_00000000000009"])
        #expect(try channel.readOutbound(as: HTTPResponsePart.self) == nil)
        // Hummingbird answers both; then a read is answered here, at once.
        for _ in 0..<2 {
            try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
            try channel.writeOutbound(HTTPResponsePart.end(nil))
        }
        for _ in 0..<4 { _ = try channel.readOutbound(as: HTTPResponsePart.self) }
        try send(.get, "/v1/payment_intents/pi_00000000000009")
        #expect(try channel.readInbound(as: HTTPRequestPart.self) == nil)
        guard case .head(let answer) = try channel.readOutbound(as: HTTPResponsePart.self) else {
            Issue.record("no answer head")
            return
        }
        #expect(answer.status == .notFound)
        #expect(answer.headerFields[.contentType] == "application/json")
        #expect(answer.headerFields[.server] == "paystorm")
        #expect(answer.headerFields[.date]?.hasSuffix(" GMT") == true)
        #expect(answer.headerFields[StripeMiddleware.requestIDHeader]?.hasPrefix("req_") == true)
        guard case .body(let body) = try channel.readOutbound(as: HTTPResponsePart.self) else {
            Issue.record("no answer body")
            return
        }
        #expect(answer.headerFields[.contentLength] == String(body.readableBytes))
        #expect(String(buffer: body).contains("No such payment_intent"))
        #expect(try channel.readOutbound(as: HTTPResponsePart.self) == .end(nil))
    }

    @Test func datesAreIMFFixdates() {
        #expect(HTTPDate.format(unixSeconds: 1_796_587_497) == "Sun, 06 Dec 2026 20:04:57 GMT")
        #expect(HTTPDate.format(unixSeconds: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
    }
}
