import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Closes a connection whose client takes longer than `limit` to send one whole request, from
/// its first byte to the end of its body. The idle timeout only catches silence: a client that
/// trickles its headers or body a byte at a time is never idle, and would hold a connection
/// (and a request's buffers) for as long as it likes.
///
/// Installed as one of Hummingbird's extra HTTP/1 handlers; when added it places two watchers
/// where they can see what they need: one before the HTTP decoder, which starts the clock at a
/// request's first byte, and one right after it, which stops the clock at the request's end
/// (before the pipelining handler, which may hold a pipelined request back while the previous
/// answer is being written: that wait is the server's, not the client's).
final class RequestReadDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let clock: Clock

    init(limit: TimeAmount) { clock = Clock(limit: limit) }

    func handlerAdded(context: ChannelHandlerContext) {
        let pipeline = context.pipeline.syncOperations
        do {
            try pipeline.addHandler(FirstByteWatcher(clock), position: .first)
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandler(EndWatcher(clock), position: .after(decoder))
        } catch {
            // A pipeline without Hummingbird's HTTP/1 decoder: nothing to time.
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    /// The request being read, and the timer that closes its connection.
    ///
    /// The timer is not scheduled and cancelled for every request: on a busy keep-alive
    /// connection that was a timer in the event loop's heap per request (and a linear search of
    /// the heap to cancel it). It stays armed while requests come; when it fires it closes the
    /// connection if the request being read began `limit` ago or more, and otherwise waits for
    /// that request's own deadline, or for the next request to arm it again.
    final class Clock {
        let limit: TimeAmount
        var timer: Scheduled<Void>?
        /// When the request being read began; nil between requests.
        var began: NIODeadline?

        init(limit: TimeAmount) { self.limit = limit }

        func requestBegan(_ context: ChannelHandlerContext) {
            guard began == nil else { return }
            let now = NIODeadline.now()
            began = now
            if timer == nil { arm(context, at: now + limit) }
        }

        func requestEnded() {
            began = nil
        }

        func connectionEnded() {
            timer?.cancel()
            timer = nil
            began = nil
        }

        private func arm(_ context: ChannelHandlerContext, at deadline: NIODeadline) {
            timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
                timer = nil
                guard let began else { return }
                let due = began + limit
                if due <= .now() {
                    context.close(promise: nil)
                } else {
                    arm(context, at: due)
                }
            }
        }
    }

    /// Starts the clock at the first byte of a request.
    final class FirstByteWatcher: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = ByteBuffer
        typealias InboundOut = ByteBuffer
        let clock: Clock

        init(_ clock: Clock) { self.clock = clock }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            clock.requestBegan(context)
            context.fireChannelRead(data)
        }

        func channelInactive(context: ChannelHandlerContext) {
            clock.connectionEnded()
            context.fireChannelInactive()
        }
    }

    /// Stops the clock when the request's end is decoded.
    final class EndWatcher: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias InboundOut = HTTPServerRequestPart
        let clock: Clock

        init(_ clock: Clock) { self.clock = clock }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if case .end = unwrapInboundIn(data) { clock.requestEnded() }
            context.fireChannelRead(data)
        }
    }
}
