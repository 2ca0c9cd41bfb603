import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Synchronization
import Testing

@testable import Server

/// The routes answered in the channel pipeline: which requests it takes, that it answers them
/// with the headers every answer carries, and that answers leave in the order the requests came
/// (HTTP/1), behind a request handed on to Hummingbird or one still being answered in a task.
@Suite struct APIFastPathTests {
    @Test(arguments: [
        (HTTPRequest.Method.get, "/v1/payment_intents/pi_00000000000001", "now"),
        (.get, "/v1/payment_intents/pi_00000000000001?expand[]=x", "now"),
        (.get, "/v1/payment_intents/search?query=status:'succeeded'", "now"),
        (.get, "/v1/payouts?limit=10", "now"),
        (.post, "/v1/payment_intents", "later"),
        (.post, "/v1/payment_intents/pi_1/capture", "later"),
        (.post, "/v1/payment_intents/pi_1/cancel", "later"),
        (.post, "/v1/refunds", "later"),
        (.post, "/admin/merchants", "later"),
        (.get, "/v1/payment_intents", "no"),
        (.get, "/v1/payment_intents/", "no"),
        (.post, "/v1/payment_intents/pi_1", "no"),
        (.post, "/v1/payment_intents/pi_1/confirm", "no"),
        (.get, "/v1/payment_intents/pi_1/capture", "no"),
        (.get, "/v1/payment_intents/pi%5F1", "no"),
        (.delete, "/v1/payment_intents/pi_1", "no"),
        (.get, "/v1/balance", "now"),
        (.get, "/v1/balance_transactions", "no"),
        (.get, "/dashboard", "no"),
    ])
    func takesTheRunnersRoutesOnly(method: HTTPRequest.Method, path: String, taken: String) {
        switch Self.routes.match(method: method, path: path)?.handler {
        case .now: #expect(taken == "now")
        case .later: #expect(taken == "later")
        case nil: #expect(taken == "no")
        }
    }

    /// The fast path's routes from the server's table; matching never calls a handler.
    static let routes = APIFastPath.Routes(
        StripeRoutes.table(
            api: StripeAPI(backend: { fatalError("not called") }),
            admin: AdminAPI(backend: { fatalError("not called") }, reset: { fatalError("not called") })))

    @Test func aRoutesParameterIsTheIDInItsPlace() {
        #expect(Self.routes.match(method: .get, path: "/v1/payment_intents/pi_7?x=1")?.parameter == "pi_7")
        #expect(
            Self.routes.match(method: .post, path: "/v1/payment_intents/pi_8/capture")?.parameter == "pi_8")
        #expect(Self.routes.match(method: .get, path: "/v1/payouts")?.parameter == "")
        #expect(Self.routes.match(method: .get, path: "/v1/payment_intents/pi_1/") == nil)
        #expect(Self.routes.match(method: .get, path: "v1/payouts") == nil)
        #expect(Self.routes.match(method: .get, path: "") == nil)
    }

    /// Hummingbird's own HTTP/1 pipeline, as the server configures it, answers a fast route
    /// with nobody reading Hummingbird's side of the channel: the fast path found its place.
    /// Fails if a Hummingbird release moves or renames its connection state handler, where
    /// the fast path would otherwise turn itself off and leave every request to the router.
    @Test func hummingbirdsPipelineAnswersTheFastRoutesItself() async throws {
        let backend = try await ServerBackend(
            configuration: ServerBackend.quietConfiguration(rateLimitPerSecond: 100, burst: 100),
            settlementCurrency: .usd, sender: WebhookSender(),
            address: ServerAddress("http://127.0.0.1:1"), seed: 1)
        let key = try await backend.onboard().1
        let routes = StripeRoutes.table(
            api: StripeAPI(backend: { backend }), admin: AdminAPI(backend: { backend }, reset: { backend }))
        let http1 = HTTP1Channel(
            responder: { _, _, _ in Issue.record("Hummingbird was handed a request") },
            configuration: PaystormServer.channelConfiguration(
                PaystormServer.Options(), fastRoutes: APIFastPath.Routes(routes)))
        let setUp = Mutex<EventLoopFuture<NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>>?>(nil)
        let channel = try await NIOAsyncTestingChannel { channel in
            setUp.withLock { $0 = http1.setup(channel: channel, logger: Logger(label: "test")) }
        }
        _ = try await setUp.withLock { $0! }.get()
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).get()
        try await channel.writeInbound(
            ByteBuffer(
                string: "GET /v1/payment_intents/pi_00000000000001 HTTP/1.1\r\nHost: localhost\r\n"
                    + "Authorization: Bearer \(key)\r\n\r\n"))
        var written = ""
        while let part = try await channel.readOutbound(as: IOData.self) {
            guard case .byteBuffer(let bytes) = part else { continue }
            written += String(buffer: bytes)
        }
        #expect(written.hasPrefix("HTTP/1.1 404 Not Found\r\n"), "\(written)")
        #expect(written.contains("No such payment_intent"))
        try await channel.close()
    }

    /// Requests with their parts, and the answers' heads and bodies as they were written.
    struct Connection {
        let channel: NIOAsyncTestingChannel
        let key: String

        init() async throws {
            let backend = try await ServerBackend(
                configuration: ServerBackend.quietConfiguration(rateLimitPerSecond: 100, burst: 100),
                settlementCurrency: .usd, sender: WebhookSender(),
                address: ServerAddress("http://127.0.0.1:1"), seed: 1)
            key = try await backend.onboard().1
            let routes = StripeRoutes.table(
                api: StripeAPI(backend: { backend }),
                admin: AdminAPI(backend: { backend }, reset: { backend }))
            channel = try await NIOAsyncTestingChannel { channel in
                try channel.pipeline.syncOperations.addHandlers([
                    HTTPConnectionStateHandler(idleTimeout: nil, logger: Logger(label: "test")),
                    APIFastPath.Responder(routes: APIFastPath.Routes(routes), serverName: "paystorm"),
                ])
            }
        }

        func send(_ method: HTTPRequest.Method, _ path: String, body: String? = nil) async throws {
            var head = HTTPRequest(method: method, scheme: nil, authority: nil, path: path)
            head.headerFields[.authorization] = "Bearer \(key)"
            try await channel.writeInbound(HTTPRequestPart.head(head))
            if let body { try await channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: body))) }
            try await channel.writeInbound(HTTPRequestPart.end(nil))
        }

        func handedOn() async throws -> [String] {
            var paths: [String] = []
            while let part = try await channel.readInbound(as: HTTPRequestPart.self) {
                if case .head(let head) = part { paths.append(head.path ?? "") }
            }
            return paths
        }

        /// The next answer written: its head and body.
        func answer() async throws -> (HTTPResponse, String) {
            guard case .head(let head) = try await channel.waitForOutboundWrite(as: HTTPResponsePart.self),
                case .body(let body) = try await channel.waitForOutboundWrite(as: HTTPResponsePart.self),
                case .end = try await channel.waitForOutboundWrite(as: HTTPResponsePart.self)
            else { throw Unexpected() }
            return (head, String(buffer: body))
        }

        struct Unexpected: Error {}
    }

    @Test func answersInOrderBehindRequestsHandedOn() async throws {
        let connection = try await Connection()
        // A request Hummingbird answers goes on, and so does a read behind it until it is answered.
        try await connection.send(.post, "/v1/payment_intents/pi_00000000000009")
        try await connection.send(.get, "/v1/payment_intents/pi_00000000000009")
        #expect(
            try await connection.handedOn() == [
                "/v1/payment_intents/pi_00000000000009", "/v1/payment_intents/pi_00000000000009",
            ])
        #expect(try await connection.channel.readOutbound(as: HTTPResponsePart.self) == nil)
        // Hummingbird answers both; then a read is answered here, at once.
        for _ in 0..<2 {
            try await connection.channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
            try await connection.channel.writeOutbound(HTTPResponsePart.end(nil))
        }
        for _ in 0..<4 { _ = try await connection.channel.readOutbound(as: HTTPResponsePart.self) }
        try await connection.send(.get, "/v1/payment_intents/pi_00000000000009")
        #expect(try await connection.handedOn().isEmpty)
        let (head, body) = try await connection.answer()
        #expect(head.status == .notFound)
        #expect(head.headerFields[.contentType] == "application/json")
        #expect(head.headerFields[.server] == "paystorm")
        #expect(head.headerFields[.date]?.hasSuffix(" GMT") == true)
        #expect(head.headerFields[StripeMiddleware.requestIDHeader]?.hasPrefix("req_") == true)
        #expect(head.headerFields[.contentLength] == String(body.utf8.count))
        #expect(body.contains("No such payment_intent"))
    }

    @Test func aReadPipelinedBehindAWriteIsAnsweredAfterIt() async throws {
        let connection = try await Connection()
        // Sent together: the create is answered in a task, and the read waits for it.
        try await connection.send(
            .post, "/v1/payment_intents",
            body: "amount=2000&currency=usd&payment_method=pm_card_visa&confirm=true")
        try await connection.send(.get, "/v1/payment_intents/pi_00000000000001")
        let (created, createdBody) = try await connection.answer()
        #expect(created.status == .ok, "\(createdBody)")
        #expect(createdBody.contains("\"id\":\"pi_00000000000001\""))
        let (read, readBody) = try await connection.answer()
        #expect(read.status == .ok, "\(readBody)")
        #expect(readBody.contains("\"status\":\"succeeded\""))
        #expect(try await connection.handedOn().isEmpty)
    }

    @Test func readsInOneReadAreAnsweredInOrderAndFlushedOnceItIsDone() async throws {
        let connection = try await Connection()
        let channel = connection.channel
        let key = connection.key
        // Two reads in one read of the socket, as a client that pipelines sends them.
        try await channel.testingEventLoop.executeInContext {
            for id in ["pi_00000000000007", "pi_00000000000008"] {
                var head = HTTPRequest(
                    method: .get, scheme: nil, authority: nil, path: "/v1/payment_intents/\(id)")
                head.headerFields[.authorization] = "Bearer \(key)"
                channel.pipeline.fireChannelRead(HTTPRequestPart.head(head))
                channel.pipeline.fireChannelRead(HTTPRequestPart.end(nil))
            }
        }
        // Answered, and nothing flushed until the read is done: then both, in order.
        #expect(try await channel.readOutbound(as: HTTPResponsePart.self) == nil)
        try await channel.testingEventLoop.executeInContext { channel.pipeline.fireChannelReadComplete() }
        let (first, firstBody) = try await connection.answer()
        let (second, secondBody) = try await connection.answer()
        #expect(first.status == .notFound && firstBody.contains("pi_00000000000007"), "\(firstBody)")
        #expect(second.status == .notFound && secondBody.contains("pi_00000000000008"), "\(secondBody)")
    }

    @Test func aBodyTooLargeIsRefused() async throws {
        let connection = try await Connection()
        try await connection.send(
            .post, "/v1/payment_intents", body: String(repeating: "a", count: APIRequest.bodyBytesMax + 1))
        let (head, body) = try await connection.answer()
        #expect(head.status.code == 413, "\(body)")
    }

    @Test func datesAreIMFFixdates() {
        #expect(HTTPDate.format(unixSeconds: 1_796_587_497) == "Sun, 06 Dec 2026 20:04:57 GMT")
        #expect(HTTPDate.format(unixSeconds: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
    }
}
