import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Answers the routes the wire runner sends most (those `StripeRoutes.table` marks `pipeline`)
/// in the channel pipeline instead of handing each request to Hummingbird's connection task.
/// The reads (a payment intent, the search, payouts) are answered on the connection's event
/// loop as soon as they are decoded: no hop to a thread of the concurrency pool and back, no
/// async sequence, router or middleware, which were most of a read's CPU on the server (its own
/// handler about a fifth of it, PERFORMANCE.md). The writes a payment makes (onboarding,
/// create, capture, cancel, refund) must wait for the processor, so they run in a task of their
/// own and are written back from the event loop: the router, the middleware and the async
/// sequences are still saved. Every other request goes on to Hummingbird unchanged. Answers
/// are the same bytes, headers included, from the same handlers, with the same `Request-Id`
/// counter and the same request-duration metric.
///
/// Installed as one of Hummingbird's extra HTTP/1 handlers; once the connection's pipeline is
/// complete it places its `Responder` after Hummingbird's connection state handler, so that the
/// idle timeout and graceful shutdown see the requests it answers as they see the others.
final class APIFastPath: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let routes: Routes
    private let serverName: String

    init(routes: Routes, serverName: String) {
        self.routes = routes
        self.serverName = serverName
    }

    func channelRegistered(context: ChannelHandlerContext) {
        let pipeline = context.pipeline.syncOperations
        if let state = try? pipeline.handler(type: HTTPConnectionStateHandler.self) {
            // Without it (another pipeline) nothing is answered here: Hummingbird answers all.
            // `APIFastPathTests` builds Hummingbird's pipeline and fails if nothing is.
            try? pipeline.addHandler(
                Responder(routes: routes, serverName: serverName), position: .after(state))
        }
        context.fireChannelRegistered()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    /// The routes of `StripeRoutes.table` answered here, made once for every connection.
    ///
    /// Hummingbird's trie is not used for the matching: building one is behind its internal
    /// SPI, and its look-up fills a parameters dictionary per request; a few routes compared
    /// segment by segment allocate nothing.
    struct Routes: Sendable {
        /// Those without a parameter first: a literal segment wins over a parameter in the
        /// same place (`/v1/payment_intents/search` over `/v1/payment_intents/:id`), as in
        /// the router.
        let routes: [APIRoute]

        init(_ table: [APIRoute]) {
            let answered = table.filter(\.answeredInPipeline)
            routes = answered.filter { $0.parameterName == nil } + answered.filter { $0.parameterName != nil }
        }

        /// The handler of `path` (its query ignored) with its parameter's value, if it is a
        /// route answered here.
        func match(
            method: HTTPRequest.Method, path: String
        ) -> (handler: APIRoute.Handler, parameter: String)? {
            var path = Substring(path)
            if let query = path.utf8.firstIndex(of: UInt8(ascii: "?")) { path = path[..<query] }
            // By index: a route is read in place, not copied (and its references retained) for
            // each one passed over.
            for index in routes.indices where routes[index].method == method {
                if let parameter = routes[index].parameter(in: path) {
                    return (routes[index].handler, String(parameter))
                }
            }
            return nil
        }
    }

    /// Sits after the connection state handler: requests it answers are read there as
    /// begun and their answers' ends as finished, as Hummingbird's own.
    final class Responder: ChannelDuplexHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPRequestPart
        typealias InboundOut = HTTPRequestPart
        typealias OutboundIn = HTTPResponsePart
        typealias OutboundOut = HTTPResponsePart

        private let routes: Routes
        private let serverName: String
        /// Requests handed on to Hummingbird and not answered yet: while there are any, every
        /// request goes on too, so that answers leave in the order the requests came.
        private var forwarded = 0
        /// A request to answer here, held from its head until its end, with its body so far.
        private var held: Held?
        /// The current request's parts go on to Hummingbird.
        private var forwarding = false
        /// An answer is being made in a task: requests that come meanwhile wait in `waiting`
        /// (a client that pipelines), and are read once it is written.
        private var answering = false
        private var waiting: [HTTPRequestPart] = []
        /// Answers written and not flushed yet: those made in one read go out in one write
        /// once it is done (a client that pipelines its reads sends several in one).
        private var unflushed = false
        /// Parts waiting behind an answer at most: past that the client is pipelining without
        /// reading its answers, and the connection is closed.
        static let waitingMax = 1_024

        /// A request taken here: its head, its route's handler and parameter, its body so far.
        struct Held {
            var head: HTTPRequest
            var handler: APIRoute.Handler
            var parameter: String
            var body: ByteBuffer?
            var tooLarge = false
        }

        init(routes: Routes, serverName: String) {
            self.routes = routes
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
                    let route = routes.match(method: head.method, path: head.path ?? "")
                {
                    held = Held(head: head, handler: route.handler, parameter: route.parameter)
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
            flushAnswers(context: context)
            context.fireChannelReadComplete()
        }

        private func flushAnswers(context: ChannelHandlerContext) {
            if unflushed {
                unflushed = false
                context.flush()
            }
        }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            if case .end = unwrapOutboundIn(data) { forwarded -= 1 }
            context.write(data, promise: promise)
        }

        private func answer(_ request: Held, context: ChannelHandlerContext) {
            let started = ContinuousClock.now
            let requestID = StripeMiddleware.nextRequestID()
            let method = request.head.method
            if request.tooLarge {
                write(APIAnswer(StripeError.bodyTooLarge), requestID, method, started, context: context)
                return
            }
            switch request.handler {
            case .now(let handler):
                let answer: APIAnswer
                do throws(StripeError) {
                    answer = try handler(
                        try APIRequest(head: request.head, body: request.body), request.parameter)
                } catch {
                    answer = APIAnswer(error)
                }
                write(answer, requestID, method, started, context: context)
            case .later(let handler):
                answering = true
                let head = request.head
                let body = request.body
                let parameter = request.parameter
                let promise = context.eventLoop.makePromise(of: APIAnswer.self)
                promise.completeWithTask {
                    do throws(StripeError) {
                        return try await handler(try APIRequest(head: head, body: body), parameter)
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
                    // Outside a read: this answer, and those of the reads waiting behind it.
                    responder.flushAnswers(context: context)
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
            context.write(wrapOutboundOut(.end(nil)), promise: nil)
            unflushed = true
        }
    }
}
