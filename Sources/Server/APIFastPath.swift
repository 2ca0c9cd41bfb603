import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Answers the routes the wire runner sends most in the channel pipeline instead of handing each
/// request to Hummingbird's connection task. The reads (a payment intent, the search, payouts)
/// are answered on the connection's event loop as soon as they are decoded: no hop to a thread
/// of the concurrency pool and back, no async sequence, router or middleware, which were most of
/// a read's CPU on the server (its own handler about a fifth of it, PERFORMANCE.md). The writes
/// a payment makes (onboarding, create, capture, cancel, refund) must wait for the processor, so
/// they run in a task of their own and are written back from the event loop: the router, the
/// middleware and the async sequences are still saved. Every other request goes on to
/// Hummingbird unchanged. Answers are the same bytes, headers included, with the same
/// `Request-Id` counter and the same request-duration metric.
///
/// Installed as one of Hummingbird's extra HTTP/1 handlers; once the connection's pipeline is
/// complete it places its `Responder` after Hummingbird's connection state handler, so that the
/// idle timeout and graceful shutdown see the requests it answers as they see the others.
final class APIFastPath: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let api: StripeAPI
    private let admin: AdminAPI
    private let serverName: String

    init(api: StripeAPI, admin: AdminAPI, serverName: String) {
        self.api = api
        self.admin = admin
        self.serverName = serverName
    }

    func channelRegistered(context: ChannelHandlerContext) {
        let pipeline = context.pipeline.syncOperations
        if let state = try? pipeline.handler(type: HTTPConnectionStateHandler.self) {
            // Without it (another pipeline) nothing is answered here: Hummingbird answers all.
            try? pipeline.addHandler(
                Responder(api: api, admin: admin, serverName: serverName), position: .after(state))
        }
        context.fireChannelRegistered()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    /// A route answered here: at once (it never waits), or later (it waits for the processor).
    enum Route {
        case now(@Sendable (StripeAPI, APIRequest) throws(StripeError) -> APIAnswer)
        case later(@Sendable (StripeAPI, AdminAPI, APIRequest) async throws(StripeError) -> APIAnswer)
    }

    /// The route of `path` (its query ignored), if it is one answered here.
    static func route(method: HTTPRequest.Method, path: String) -> Route? {
        var path = Substring(path)
        if let query = path.firstIndex(of: "?") { path = path[..<query] }
        switch (method, path) {
        case (.get, "/v1/payment_intents/search"):
            return .now { (api, request) throws(StripeError) in try api.searchPaymentIntents(request) }
        case (.get, "/v1/payouts"):
            return .now { (api, request) throws(StripeError) in try api.listPayouts(request) }
        case (.post, "/v1/payment_intents"):
            return .later { (api, _, request) async throws(StripeError) in
                try await api.createPaymentIntent(request)
            }
        case (.post, "/v1/refunds"):
            return .later { (api, _, request) async throws(StripeError) in try await api.createRefund(request)
            }
        case (.post, "/admin/merchants"):
            return .later { (_, admin, request) async throws(StripeError) in try await admin.onboard(request)
            }
        default: break
        }
        // `/v1/payment_intents/ID` and `/v1/payment_intents/ID/ACTION`, with an id as the API
        // makes them; anything else (escapes, other segments) goes to the router.
        let prefix = "/v1/payment_intents/"
        guard path.hasPrefix(prefix) else { return nil }
        let rest = path.dropFirst(prefix.count)
        let id = rest.prefix { $0 != "/" }
        guard !id.isEmpty, id.utf8.allSatisfy(isIDByte) else { return nil }
        let text = String(id)
        switch (method, rest.dropFirst(id.count)) {
        case (.get, ""):
            return .now { (api, request) throws(StripeError) in
                try api.retrievePaymentIntent(request, id: text)
            }
        case (.post, "/capture"):
            return .later { (api, _, request) async throws(StripeError) in
                try await api.capturePaymentIntent(request, id: text)
            }
        case (.post, "/cancel"):
            return .later { (api, _, request) async throws(StripeError) in
                try await api.cancelPaymentIntent(request, id: text)
            }
        default: return nil
        }
    }

    private static func isIDByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
            true
        default: false
        }
    }

    /// Sits after the connection state handler: requests it answers are read there as
    /// begun and their answers' ends as finished, as Hummingbird's own.
    final class Responder: ChannelDuplexHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPRequestPart
        typealias InboundOut = HTTPRequestPart
        typealias OutboundIn = HTTPResponsePart
        typealias OutboundOut = HTTPResponsePart

        private let api: StripeAPI
        private let admin: AdminAPI
        private let serverName: String
        /// Requests handed on to Hummingbird and not answered yet: while there are any, every
        /// request goes on too, so that answers leave in the order the requests came.
        private var forwarded = 0
        /// A request to answer here, held from its head until its end, with its body so far.
        private var held: (head: HTTPRequest, route: Route, body: ByteBuffer?, tooLarge: Bool)?
        /// The current request's parts go on to Hummingbird.
        private var forwarding = false
        /// An answer is being made in a task: requests that come meanwhile wait in `waiting`
        /// (a client that pipelines), and are read once it is written.
        private var answering = false
        private var waiting: [HTTPRequestPart] = []
        /// Parts waiting behind an answer at most: past that the client is pipelining without
        /// reading its answers, and the connection is closed.
        static let waitingMax = 1_024

        init(api: StripeAPI, admin: AdminAPI, serverName: String) {
            self.api = api
            self.admin = admin
            self.serverName = serverName
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let part = unwrapInboundIn(data)
            if answering {
                waiting.append(part)
                if waiting.count > Self.waitingMax { context.close(promise: nil) }
                return
            }
            read(part, context: context)
        }

        private func read(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
            switch part {
            case .head(let head):
                if forwarded == 0, head.headerFields[.connection] == nil, head.headerFields[.expect] == nil,
                    let route = APIFastPath.route(method: head.method, path: head.path ?? "")
                {
                    held = (head, route, nil, false)
                    forwarding = false
                } else {
                    forwarded += 1
                    forwarding = true
                    context.fireChannelRead(wrapInboundOut(part))
                }
            case .body(var bytes):
                if forwarding {
                    context.fireChannelRead(wrapInboundOut(part))
                } else if var request = held, !request.tooLarge, request.head.method != .get {
                    held = nil
                    if (request.body?.readableBytes ?? 0) + bytes.readableBytes > APIRequest.bodyBytesMax {
                        request.tooLarge = true
                        request.body = nil
                    } else if request.body == nil {
                        request.body = bytes
                    } else {
                        request.body!.writeBuffer(&bytes)
                    }
                    held = request
                }
            case .end:
                if forwarding {
                    context.fireChannelRead(wrapInboundOut(part))
                } else if let request = held {
                    held = nil
                    answer(request, context: context)
                }
            }
        }

        func channelReadComplete(context: ChannelHandlerContext) {
            context.fireChannelReadComplete()
        }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            if case .end = unwrapOutboundIn(data) { forwarded -= 1 }
            context.write(data, promise: promise)
        }

        private func answer(
            _ request: (head: HTTPRequest, route: Route, body: ByteBuffer?, tooLarge: Bool),
            context: ChannelHandlerContext
        ) {
            let started = ContinuousClock.now
            let requestID = StripeMiddleware.nextRequestID()
            let method = request.head.method
            if request.tooLarge {
                write(APIAnswer(StripeError.bodyTooLarge), requestID, method, started, context: context)
                return
            }
            switch request.route {
            case .now(let handler):
                let answer: APIAnswer
                do throws(StripeError) {
                    answer = try handler(api, try APIRequest(head: request.head, body: request.body))
                } catch {
                    answer = APIAnswer(error)
                }
                write(answer, requestID, method, started, context: context)
            case .later(let handler):
                answering = true
                let api = api
                let admin = admin
                let head = request.head
                let body = request.body
                let promise = context.eventLoop.makePromise(of: APIAnswer.self)
                promise.completeWithTask {
                    // As the router's routes do: a request that may make events waits while
                    // the webhook line is long.
                    await api.backend().sender.waitForRoom()
                    do throws(StripeError) {
                        return try await handler(api, admin, try APIRequest(head: head, body: body))
                    } catch {
                        return APIAnswer(error)
                    }
                }
                let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                promise.futureResult.whenComplete { result in
                    let (responder, context) = loopBound.value
                    let answer =
                        (try? result.get())
                        ?? APIAnswer(StripeError.internalError("An unexpected error occurred."))
                    responder.write(answer, requestID, method, started, context: context)
                    responder.answering = false
                    responder.readWaiting(context: context)
                }
            }
        }

        /// Reads the parts that came while an answer was being made, until they are done or
        /// another answer is being made.
        private func readWaiting(context: ChannelHandlerContext) {
            while !answering, !waiting.isEmpty {
                read(waiting.removeFirst(), context: context)
            }
            if !answering { context.fireChannelReadComplete() }
        }

        private func write(
            _ answer: APIAnswer, _ requestID: String, _ method: HTTPRequest.Method,
            _ started: ContinuousClock.Instant, context: ChannelHandlerContext
        ) {
            let (response, body) = StripeRoutes.parts(answer)
            var fields = response.headerFields
            fields[.contentLength] = String(body.readableBytes)
            fields[StripeMiddleware.requestIDHeader] = requestID
            fields[.date] = HTTPDate.now()
            fields[.server] = serverName
            StripeMiddleware.duration(of: method).record(duration: started.duration(to: .now))
            let head = HTTPResponse(status: response.status, headerFields: fields)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(body)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
