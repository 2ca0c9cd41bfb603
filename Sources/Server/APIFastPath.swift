import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Answers the routes the wire runner sends most (those `StripeRoutes.table` marks `pipeline`)
/// in the channel pipeline, below Hummingbird: its `Responder` takes NIO's decoded request
/// parts before they are turned into HTTPTypes, and writes its answers as NIO's response parts
/// straight to the encoder. The reads (a payment intent, the search, payouts, the balance) are
/// answered on the connection's event loop as soon as they are decoded; the writes a payment
/// makes (onboarding, create, capture, cancel, refund) wait for the processor in a task and are
/// written back from the event loop. No hop to a thread of the concurrency pool for a read, no
/// async sequence, router or middleware, and no conversion of heads to HTTPTypes and back,
/// which were most of a request's CPU on the server outside its handler (PERFORMANCE.md).
/// Every other request goes on to Hummingbird unchanged. Answers are the same bytes, headers
/// included, from the same handlers, with the same `Request-Id` counter and the same
/// request-duration metric.
///
/// Installed as one of Hummingbird's extra HTTP/1 handlers, between its codec and its
/// connection state handler; once the connection's pipeline is complete it places the
/// `Responder` before the codec and a `Sink` after the state handler. The state handler keeps
/// the idle timeout, graceful shutdown and `Connection: close` for every request: for each one
/// the fast path takes, this handler passes it a request's head and end as they are read and
/// an answer's end once it is written (the `Sink` drops them before Hummingbird's side of the
/// channel, and this handler drops that end before the codec), so that it counts the requests
/// in progress as it counts Hummingbird's own.
final class APIFastPath: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let routes: Routes
    private let serverName: String
    /// This handler's context and the `Sink`'s: where the state handler's parts are passed
    /// from. Released when the handlers are removed (the channel closed).
    private var context: ChannelHandlerContext?
    private var sinkContext: ChannelHandlerContext?
    /// Set while a part for the state handler only is passed: the `Sink` and `write` drop it.
    private let marking = Marking()

    final class Marking {
        var on = false
    }

    /// What the state handler is given as the head of a request the fast path took: it only
    /// counts heads.
    private static let markerHead = HTTPRequest(method: .get, scheme: nil, authority: nil, path: "/")

    init(routes: Routes, serverName: String) {
        self.routes = routes
        self.serverName = serverName
    }

    func channelRegistered(context: ChannelHandlerContext) {
        let pipeline = context.pipeline.syncOperations
        // Without Hummingbird's state handler and NIO's decoder (another pipeline) nothing is
        // answered here: Hummingbird answers all. `APIFastPathTests` builds Hummingbird's
        // pipeline and fails if nothing is.
        if let state = try? pipeline.handler(type: HTTPConnectionStateHandler.self),
            let decoder = try? pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
        {
            // After the read deadline's end watcher when there is one: it stops the clock at
            // every request's end, those answered here too.
            let before: any ChannelHandler =
                (try? pipeline.handler(type: RequestReadDeadline.EndWatcher.self)) ?? decoder
            let sink = Sink(marking)
            do {
                try pipeline.addHandler(sink, position: .after(state))
                sinkContext = try pipeline.context(handler: sink)
                try pipeline.addHandler(
                    Responder(routes: routes, serverName: serverName, stateKeeper: self),
                    position: .after(before))
                self.context = context
            } catch {
                sinkContext = nil
            }
        }
        context.fireChannelRegistered()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        sinkContext = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if marking.on {
            promise?.succeed()
            return
        }
        context.write(data, promise: promise)
    }

    /// A request the fast path takes began: the state handler counts it in progress.
    func requestBegan() {
        mark { context?.fireChannelRead(wrapInboundOut(.head(Self.markerHead))) }
    }

    /// That request was read to its end.
    func requestRead() {
        mark { context?.fireChannelRead(wrapInboundOut(.end(nil))) }
    }

    /// Its answer was written (and left unflushed): the state handler counts it done, and may
    /// arm the idle timeout or, shutting down, flush and close.
    func requestAnswered() {
        mark { sinkContext?.write(wrapOutboundOut(.end(nil)), promise: nil) }
    }

    private func mark(_ pass: () -> Void) {
        marking.on = true
        pass()
        marking.on = false
    }

    /// After the state handler: drops the parts passed to it for the fast path's requests.
    final class Sink: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPRequestPart
        typealias InboundOut = HTTPRequestPart
        private let marking: Marking

        init(_ marking: Marking) { self.marking = marking }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if !marking.on { context.fireChannelRead(data) }
        }
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
            var path = path
            return path.withUTF8 { bytes in
                let end = bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.count
                let path = UnsafeBufferPointer(rebasing: bytes[..<end])
                // By index: a route is read in place, not copied (and its references retained)
                // for each one passed over.
                for index in routes.indices where routes[index].method == method {
                    if let range = routes[index].parameterRange(in: path) {
                        let parameter = String(
                            decoding: UnsafeBufferPointer(rebasing: path[range]), as: UTF8.self)
                        return (routes[index].handler, parameter)
                    }
                }
                return nil
            }
        }
    }
}
