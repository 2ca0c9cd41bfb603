import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTP1

extension APIFastPath {
    /// Sits between NIO's decoder and Hummingbird's codec: takes the requests of the fast
    /// routes as NIO's parts and writes their answers as NIO's parts to the encoder; hands every
    /// other request on to the codec, and sees the codec's answers go by to keep answers in the
    /// order the requests came.
    final class Responder: ChannelDuplexHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias InboundOut = HTTPServerRequestPart
        typealias OutboundIn = HTTPServerResponsePart
        typealias OutboundOut = HTTPServerResponsePart

        private let routes: Routes
        private let serverName: String
        /// Passes the state handler the requests taken here; nil in tests of this handler alone.
        private let stateKeeper: APIFastPath?
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
        private var waiting: [HTTPServerRequestPart] = []
        /// Graceful shutdown came while an answer was being made: passed on to the state
        /// handler once the requests waiting behind that answer are answered too, as the state
        /// handler would have waited for them had it seen them.
        private var quiesceHeld = false
        /// Answers written and not flushed yet: those made in one read go out in one write
        /// once it is done (a client that pipelines its reads sends several in one).
        private var unflushed = false
        /// Parts waiting behind an answer at most: past that the client is pipelining without
        /// reading its answers, and the connection is closed.
        static let waitingMax = 1_024

        /// A request taken here: what its handler needs of its head, its route's handler and
        /// parameter, its body so far.
        struct Held {
            var head: Head
            var handler: APIRoute.Handler
            var parameter: String
            var body: ByteBuffer?
            var tooLarge = false
        }

        /// What the API reads of a request's head, read from NIO's head as Hummingbird's codec
        /// would have made it into HTTPTypes' fields (several fields of one name joined with
        /// ", ").
        struct Head {
            var method: HTTPRequest.Method
            var uri: String
            var authorization: String?
            var idempotencyKey: String?

            /// The head of a request the fast path may take: a GET or POST of a fast route,
            /// without `Connection` or `Expect` (Hummingbird's to honour) and with field values
            /// HTTPTypes would keep as they are (anything it would clean goes on to it).
            init?(_ head: HTTPRequestHead) {
                switch head.method {
                case .GET: method = .get
                case .POST: method = .post
                default: return nil
                }
                uri = head.uri
                for (name, value) in head.headers {
                    if Self.isName(name, "authorization") {
                        guard Self.isKept(value) else { return nil }
                        authorization = authorization.map { $0 + ", " + value } ?? value
                    } else if Self.isName(name, "idempotency-key") {
                        guard Self.isKept(value) else { return nil }
                        idempotencyKey = idempotencyKey.map { $0 + ", " + value } ?? value
                    } else if Self.isName(name, "connection") || Self.isName(name, "expect") {
                        return nil
                    }
                }
            }

            /// `name` is `lowercased` (ASCII letters and `-`), whatever its letters' case.
            static func isName(_ name: String, _ lowercased: StaticString) -> Bool {
                guard name.utf8.count == lowercased.utf8CodeUnitCount else { return false }
                let expected = UnsafeBufferPointer(
                    start: lowercased.utf8Start, count: lowercased.utf8CodeUnitCount)
                return zip(name.utf8, expected).allSatisfy { $0 | 0x20 == $1 }
            }

            /// A value HTTPTypes keeps byte for byte: no blank at either end, no control byte
            /// but a tab.
            static func isKept(_ value: String) -> Bool {
                let bytes = value.utf8
                if let first = bytes.first, first == 0x20 || first == 0x09 { return false }
                if let last = bytes.last, last == 0x20 || last == 0x09 { return false }
                return bytes.allSatisfy { $0 >= 0x20 && $0 != 0x7F || $0 == 0x09 }
            }
        }

        init(routes: Routes, serverName: String, stateKeeper: APIFastPath? = nil) {
            self.routes = routes
            self.serverName = serverName
            self.stateKeeper = stateKeeper
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

        private func read(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
            switch part {
            case .head(let nioHead):
                if forwarded == 0, let head = Head(nioHead),
                    let route = routes.match(method: head.method, path: head.uri)
                {
                    held = Held(head: head, handler: route.handler, parameter: route.parameter)
                    forwarding = false
                    stateKeeper?.requestBegan()
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
                    stateKeeper?.requestRead()
                    answer(request, context: context)
                }
            }
        }

        func channelReadComplete(context: ChannelHandlerContext) {
            flushAnswers(context: context)
            context.fireChannelReadComplete()
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if event is ChannelShouldQuiesceEvent, answering {
                quiesceHeld = true
                return
            }
            context.fireUserInboundEventTriggered(event)
        }

        private func flushAnswers(context: ChannelHandlerContext) {
            if unflushed {
                unflushed = false
                context.flush()
            }
        }

        /// Hummingbird's answers going by: the end of one is a request handed on answered.
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
            let head = request.head
            switch request.handler {
            case .now(let handler):
                let answer: APIAnswer
                do throws(StripeError) {
                    answer = try handler(
                        try APIRequest(
                            method: method, uri: head.uri, authorization: head.authorization,
                            idempotencyKey: head.idempotencyKey, body: request.body),
                        request.parameter)
                } catch {
                    answer = APIAnswer(error)
                }
                write(answer, requestID, method, started, context: context)
            case .later(let handler):
                answering = true
                let body = request.body
                let parameter = request.parameter
                let promise = context.eventLoop.makePromise(of: APIAnswer.self)
                promise.completeWithTask {
                    do throws(StripeError) {
                        return try await handler(
                            try APIRequest(
                                method: method, uri: head.uri, authorization: head.authorization,
                                idempotencyKey: head.idempotencyKey, body: body),
                            parameter)
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
        /// another answer is being made; then passes on a graceful shutdown held meanwhile.
        private func readWaiting(context: ChannelHandlerContext) {
            while !answering, !waiting.isEmpty {
                read(waiting.removeFirst(), context: context)
            }
            if !answering {
                context.fireChannelReadComplete()
                if quiesceHeld {
                    quiesceHeld = false
                    flushAnswers(context: context)
                    context.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
                }
            }
        }

        /// Writes an answer as `StripeRoutes.parts` makes it for the router, with the headers
        /// every answer gets, in the order the router's answers carry them; as NIO's parts, which
        /// Hummingbird's codec would have made of it.
        private func write(
            _ answer: APIAnswer, _ requestID: String, _ method: HTTPRequest.Method,
            _ started: ContinuousClock.Instant, context: ChannelHandlerContext
        ) {
            let body = ByteBuffer(string: answer.body)
            var fields = StripeRoutes.headerFields(answer)
            fields.append((.contentLength, String(body.readableBytes)))
            fields.append((StripeMiddleware.requestIDHeader, requestID))
            fields.append((.date, HTTPDate.now()))
            fields.append((.server, serverName))
            var headers = HTTPHeaders()
            headers.reserveCapacity(fields.count)
            for (name, value) in fields { headers.add(name: name.rawName, value: value) }
            StripeMiddleware.duration(of: method).record(duration: started.duration(to: .now))
            let head = HTTPResponseHead(
                version: .http1_1, status: HTTPResponseStatus(statusCode: answer.status), headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.write(wrapOutboundOut(.end(nil)), promise: nil)
            stateKeeper?.requestAnswered()
            unflushed = true
        }
    }
}
