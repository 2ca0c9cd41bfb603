import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
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
        let (routes, key) = try await Self.onboardedRoutes()
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

    /// Hummingbird's HTTP/1 pipeline as the server configures it, over a testing channel, with
    /// nothing reading Hummingbird's side: requests in as bytes, answers out as bytes.
    final class Pipeline: Sendable {
        let channel: NIOAsyncTestingChannel
        let key: String
        /// Hummingbird's side, kept to be finished: NIO traps on one dropped unfinished.
        private let hummingbirdSide: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>
        private let received = Mutex<[UInt8]>([])

        init() async throws {
            let (routes, key) = try await APIFastPathTests.onboardedRoutes()
            self.key = key
            let http1 = HTTP1Channel(
                responder: { _, _, _ in Issue.record("Hummingbird was handed a request") },
                configuration: PaystormServer.channelConfiguration(
                    PaystormServer.Options(), fastRoutes: APIFastPath.Routes(routes)))
            let setUp = Mutex<EventLoopFuture<NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>>?>(nil)
            channel = try await NIOAsyncTestingChannel { channel in
                setUp.withLock { $0 = http1.setup(channel: channel, logger: Logger(label: "test")) }
            }
            hummingbirdSide = try await setUp.withLock { $0! }.get()
            try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).get()
        }

        /// Waits for the connection to be closed by the server.
        func closed() async throws {
            try await channel.closeFuture.get()
            // Finishes Hummingbird's side's writer (the channel is closed already).
            try await hummingbirdSide.executeThenClose { _, _ in }
        }

        func send(_ text: String) async throws {
            try await channel.writeInbound(ByteBuffer(string: text))
        }

        /// The next `count` answers written, waiting for them.
        func answers(_ count: Int) async throws -> [String] {
            while true {
                let answers = received.withLock { RawHTTP.answers(in: $0).answers }
                if answers.count >= count {
                    received.withLock { bytes in
                        bytes.removeFirst(answers.prefix(count).reduce(0) { $0 + $1.utf8.count })
                    }
                    return Array(answers.prefix(count))
                }
                guard case .byteBuffer(let bytes) = try await channel.waitForOutboundWrite(as: IOData.self)
                else { continue }
                received.withLock { $0.append(contentsOf: bytes.readableBytesView) }
            }
        }

        func quiesce() async throws {
            let channel = channel
            try await channel.testingEventLoop.executeInContext {
                channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
            }
        }

        func create(_ amount: Int) -> String {
            RawHTTP.request(
                "POST", "/v1/payment_intents", key: key,
                body: "amount=\(amount)&currency=usd&payment_method=pm_card_visa&confirm=true")
        }
    }

    /// Graceful shutdown: Hummingbird's state handler counts the requests answered here, so a
    /// connection is closed once they are answered, not before, and at once when none is open.
    @Test func gracefulShutdownWaitsForTheRequestsTakenHere() async throws {
        let pipeline = try await Pipeline()
        // A create's head without its body yet: in progress, the connection stays open.
        let create = pipeline.create(2_000)
        let split = create.range(of: "\r\n\r\n")!.upperBound
        try await pipeline.send(String(create[..<split]))
        try await pipeline.quiesce()
        #expect(pipeline.channel.isActive)
        // Its body, and a read behind it: both answered, in order, then the connection closed.
        try await pipeline.send(
            String(create[split...])
                + RawHTTP.request("GET", "/v1/payment_intents/pi_00000000000001", key: pipeline.key))
        let answers = try await pipeline.answers(2)
        #expect(answers[0].hasPrefix("HTTP/1.1 200 OK\r\n"), "\(answers[0])")
        #expect(answers[1].hasPrefix("HTTP/1.1 200 OK\r\n") && answers[1].contains("\"succeeded\""))
        try await pipeline.closed()
    }

    @Test func gracefulShutdownClosesAConnectionWithNothingInProgress() async throws {
        let pipeline = try await Pipeline()
        try await pipeline.send(RawHTTP.request("GET", "/v1/balance", key: pipeline.key))
        #expect(try await pipeline.answers(1)[0].hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(pipeline.channel.isActive)
        try await pipeline.quiesce()
        try await pipeline.closed()
    }

    /// A create pipelined behind another, shutdown coming while the first is in its task: the
    /// second is answered too before the connection closes.
    @Test func gracefulShutdownAnswersRequestsWaitingBehindAnAnswer() async throws {
        let pipeline = try await Pipeline()
        try await pipeline.send(pipeline.create(2_000) + pipeline.create(3_000))
        try await pipeline.quiesce()
        let answers = try await pipeline.answers(2)
        #expect(answers[0].contains("\"amount\":2000"), "\(answers[0])")
        #expect(answers[1].contains("\"amount\":3000"), "\(answers[1])")
        try await pipeline.closed()
    }

    /// The API's routes on a quiet backend with one merchant, and that merchant's key.
    static func onboardedRoutes() async throws -> (routes: [APIRoute], key: String) {
        let backend = try await ServerBackend(
            configuration: ServerBackend.quietConfiguration(rateLimitPerSecond: 100, burst: 100),
            settlementCurrency: .usd, sender: WebhookSender(),
            address: ServerAddress("http://127.0.0.1:1"), seed: 1)
        let key = try await backend.onboard().1
        let routes = StripeRoutes.table(
            api: StripeAPI(backend: { backend }),
            admin: AdminAPI(backend: { backend }, reset: { backend }))
        return (routes, key)
    }

    /// Requests with their parts as NIO's decoder makes them, and the answers' heads and
    /// bodies as they were written to NIO's encoder.
    struct Connection {
        let channel: NIOAsyncTestingChannel
        let key: String

        init() async throws {
            let (routes, key) = try await APIFastPathTests.onboardedRoutes()
            self.key = key
            channel = try await NIOAsyncTestingChannel { channel in
                try channel.pipeline.syncOperations.addHandler(
                    APIFastPath.Responder(routes: APIFastPath.Routes(routes), serverName: "paystorm"))
            }
        }

        static func head(_ method: HTTPMethod, _ path: String, key: String) -> HTTPRequestHead {
            HTTPRequestHead(
                version: .http1_1, method: method, uri: path,
                headers: ["Host": "localhost", "Authorization": "Bearer \(key)"])
        }

        func send(_ method: HTTPMethod, _ path: String, body: String? = nil) async throws {
            try await channel.writeInbound(HTTPServerRequestPart.head(Self.head(method, path, key: key)))
            if let body {
                try await channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(string: body)))
            }
            try await channel.writeInbound(HTTPServerRequestPart.end(nil))
        }

        func handedOn() async throws -> [String] {
            var paths: [String] = []
            while let part = try await channel.readInbound(as: HTTPServerRequestPart.self) {
                if case .head(let head) = part { paths.append(head.uri) }
            }
            return paths
        }

        /// The next answer written: its head and body.
        func answer() async throws -> (HTTPResponseHead, String) {
            guard
                case .head(let head) = try await channel.waitForOutboundWrite(as: HTTPServerResponsePart.self),
                case .body(.byteBuffer(let body)) = try await channel.waitForOutboundWrite(
                    as: HTTPServerResponsePart.self),
                case .end = try await channel.waitForOutboundWrite(as: HTTPServerResponsePart.self)
            else { throw Unexpected() }
            return (head, String(buffer: body))
        }

        struct Unexpected: Error {}
    }

    @Test func answersInOrderBehindRequestsHandedOn() async throws {
        let connection = try await Connection()
        // A request Hummingbird answers goes on, and so does a read behind it until it is answered.
        try await connection.send(.POST, "/v1/payment_intents/pi_00000000000009")
        try await connection.send(.GET, "/v1/payment_intents/pi_00000000000009")
        #expect(
            try await connection.handedOn() == [
                "/v1/payment_intents/pi_00000000000009", "/v1/payment_intents/pi_00000000000009",
            ])
        #expect(try await connection.channel.readOutbound(as: HTTPServerResponsePart.self) == nil)
        // Hummingbird answers both; then a read is answered here, at once.
        for _ in 0..<2 {
            try await connection.channel.writeOutbound(
                HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok)))
            try await connection.channel.writeOutbound(HTTPServerResponsePart.end(nil))
        }
        for _ in 0..<4 { _ = try await connection.channel.readOutbound(as: HTTPServerResponsePart.self) }
        try await connection.send(.GET, "/v1/payment_intents/pi_00000000000009")
        #expect(try await connection.handedOn().isEmpty)
        let (head, body) = try await connection.answer()
        #expect(head.status == .notFound)
        #expect(
            head.headers.map(\.name) == [
                "Content-Type", "Cache-Control", "Content-Length", "Request-Id", "Date", "Server",
            ])
        #expect(head.headers["Content-Type"] == ["application/json"])
        #expect(head.headers["Server"] == ["paystorm"])
        #expect(head.headers["Date"].first?.hasSuffix(" GMT") == true)
        #expect(head.headers["Request-Id"].first?.hasPrefix("req_") == true)
        #expect(head.headers["Content-Length"] == [String(body.utf8.count)])
        #expect(body.contains("No such payment_intent"))
    }

    @Test func aReadPipelinedBehindAWriteIsAnsweredAfterIt() async throws {
        let connection = try await Connection()
        // Sent together: the create is answered in a task, and the read waits for it.
        try await connection.send(
            .POST, "/v1/payment_intents",
            body: "amount=2000&currency=usd&payment_method=pm_card_visa&confirm=true")
        try await connection.send(.GET, "/v1/payment_intents/pi_00000000000001")
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
                let head = Connection.head(.GET, "/v1/payment_intents/\(id)", key: key)
                channel.pipeline.fireChannelRead(HTTPServerRequestPart.head(head))
                channel.pipeline.fireChannelRead(HTTPServerRequestPart.end(nil))
            }
        }
        // Answered, and nothing flushed until the read is done: then both, in order.
        #expect(try await channel.readOutbound(as: HTTPServerResponsePart.self) == nil)
        try await channel.testingEventLoop.executeInContext { channel.pipeline.fireChannelReadComplete() }
        let (first, firstBody) = try await connection.answer()
        let (second, secondBody) = try await connection.answer()
        #expect(first.status == .notFound && firstBody.contains("pi_00000000000007"), "\(firstBody)")
        #expect(second.status == .notFound && secondBody.contains("pi_00000000000008"), "\(secondBody)")
    }

    @Test func aBodyTooLargeIsRefused() async throws {
        let connection = try await Connection()
        try await connection.send(
            .POST, "/v1/payment_intents", body: String(repeating: "a", count: APIRequest.bodyBytesMax + 1))
        let (head, body) = try await connection.answer()
        #expect(head.status.code == 413, "\(body)")
    }

    @Test func datesAreIMFFixdates() {
        #expect(HTTPDate.format(unixSeconds: 1_796_587_497) == "Sun, 06 Dec 2026 20:04:57 GMT")
        #expect(HTTPDate.format(unixSeconds: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
    }
}
