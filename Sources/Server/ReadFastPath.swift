import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Answers the read routes the wire runner sends most (a payment intent, the search, payouts)
/// on the connection's event loop, in the channel pipeline, instead of handing each request to
/// Hummingbird's connection task: a GET answered from the event loop costs no hop to a thread of
/// the concurrency pool and back, no async sequence, router or middleware. Those were most of a
/// read's CPU on the server (a request's own handler about a fifth of it, PERFORMANCE.md). Every
/// other request goes on to Hummingbird unchanged, and the answers are the same bytes, headers
/// included, the same `Request-Id` counter and the same request-duration metric.
///
/// Installed as one of Hummingbird's extra HTTP/1 handlers; once the connection's pipeline is
/// complete it places its `Responder` after Hummingbird's connection state handler, so that the
/// idle timeout and graceful shutdown see the requests it answers as they see the others.
final class ReadFastPath: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let api: StripeAPI
    private let serverName: String

    init(api: StripeAPI, serverName: String) {
        self.api = api
        self.serverName = serverName
    }

    func channelRegistered(context: ChannelHandlerContext) {
        let pipeline = context.pipeline.syncOperations
        if let state = try? pipeline.handler(type: HTTPConnectionStateHandler.self) {
            // Without it (another pipeline) nothing is answered here: Hummingbird answers all.
            try? pipeline.addHandler(Responder(api: api, serverName: serverName), position: .after(state))
        }
        context.fireChannelRegistered()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    /// A read route's handler, if `path` (without its query) is one answered here.
    typealias Read = (StripeAPI, APIRequest) throws(StripeError) -> APIAnswer

    static func read(method: HTTPRequest.Method, path: String) -> Read? {
        guard method == .get else { return nil }
        var path = Substring(path)
        if let query = path.firstIndex(of: "?") { path = path[..<query] }
        switch path {
        case "/v1/payment_intents/search":
            return { (api, request) throws(StripeError) in try api.searchPaymentIntents(request) }
        case "/v1/payouts":
            return { (api, request) throws(StripeError) in try api.listPayouts(request) }
        default: break
        }
        let prefix = "/v1/payment_intents/"
        guard path.hasPrefix(prefix) else { return nil }
        let id = path.dropFirst(prefix.count)
        // An id as the API makes them; anything else (escapes, more segments) goes to the router.
        guard !id.isEmpty, id.utf8.allSatisfy(isIDByte) else { return nil }
        let text = String(id)
        return { (api, request) throws(StripeError) in try api.retrievePaymentIntent(request, id: text) }
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
        private let serverName: String
        /// Requests handed on to Hummingbird and not answered yet: while there are any, every
        /// request goes on too, so that answers leave in the order the requests came.
        private var forwarded = 0
        /// A read to answer here, held from its head until its end.
        private var held: (HTTPRequest, Read)?
        /// The current request's parts go on to Hummingbird.
        private var forwarding = false

        init(api: StripeAPI, serverName: String) {
            self.api = api
            self.serverName = serverName
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                if forwarded == 0, head.headerFields[.connection] == nil,
                    let read = ReadFastPath.read(method: head.method, path: head.path ?? "")
                {
                    held = (head, read)
                    forwarding = false
                } else {
                    forwarded += 1
                    forwarding = true
                    context.fireChannelRead(data)
                }
            case .body:
                // A GET's body is not read by its route either.
                if forwarding { context.fireChannelRead(data) }
            case .end:
                if forwarding {
                    context.fireChannelRead(data)
                } else if let (head, read) = held {
                    held = nil
                    answer(head, read, context: context)
                }
            }
        }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            if case .end = unwrapOutboundIn(data) { forwarded -= 1 }
            context.write(data, promise: promise)
        }

        private func answer(_ head: HTTPRequest, _ read: Read, context: ChannelHandlerContext) {
            let started = ContinuousClock.now
            let requestID = StripeMiddleware.nextRequestID()
            let answer: APIAnswer
            do throws(StripeError) {
                answer = try read(api, try APIRequest(head: head))
            } catch {
                answer = APIAnswer(error)
            }
            let (response, body) = StripeRoutes.parts(answer)
            var fields = response.headerFields
            fields[.contentLength] = String(body.readableBytes)
            fields[StripeMiddleware.requestIDHeader] = requestID
            fields[.date] = HTTPDate.now()
            fields[.server] = serverName
            StripeMiddleware.duration(of: .get).record(duration: started.duration(to: .now))
            let head = HTTPResponse(status: response.status, headerFields: fields)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(body)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
