import NIOCore
import NIOHTTP1

/// One connection of the webhook receiver: reads a delivery (`POST /hooks/:token`), hands it to
/// the `WebhookReceiver` and answers its status, all on the connection's event loop.
///
/// A run takes about four deliveries a payment, the most requests of any kind the runner
/// handles: through Hummingbird each went from the channel to a task, through a router and
/// back, several executor hops for a check that never waits (a slow endpoint's delay is a
/// timer on the loop instead).
final class WebhookReceiverHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// A delivery larger than this is refused (413), as the Hummingbird route refused it.
    static let bodyBytesMax = 1 << 20
    static let pathPrefix = "/hooks/"

    private let receiver: WebhookReceiver
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var tooLarge = false
    /// Answers written in this read and not flushed yet: they go out together once the read is
    /// done, one write for the deliveries a sender pipelined (NIO's server pipeline handler
    /// hands them over one at a time, each once the one before is answered).
    private var unflushed = false

    init(receiver: WebhookReceiver) { self.receiver = receiver }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = nil
            tooLarge = false
        case .body(var part):
            if (body?.readableBytes ?? 0) + part.readableBytes > Self.bodyBytesMax {
                tooLarge = true
                body = nil
            } else if !tooLarge {
                if body == nil { body = part } else { body!.writeBuffer(&part) }
            }
        case .end:
            guard let head else { return }
            self.head = nil
            deliver(head, context: context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if unflushed {
            unflushed = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    private func deliver(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        guard head.method == .POST, head.uri.hasPrefix(Self.pathPrefix) else {
            return answer(.notFound, to: head, context: context)
        }
        guard !tooLarge else { return answer(.payloadTooLarge, to: head, context: context) }
        let token = String(head.uri.dropFirst(Self.pathPrefix.count))
        let bytes = body.map { Array(buffer: $0) } ?? []
        body = nil
        let signature = head.headers.first(name: "Stripe-Signature")
        switch receiver.arrive(token: token) {
        case .answer(let status):
            answer(HTTPResponseStatus(statusCode: Int(status.code)), to: head, context: context)
        case .check(let skewSeconds):
            let status = receiver.check(
                token: token, body: bytes, signature: signature, skewSeconds: skewSeconds)
            answer(HTTPResponseStatus(statusCode: Int(status.code)), to: head, context: context)
        case .checkAfter(let milliseconds):
            // A slow endpoint: the check and its answer come after the delay, on the same loop
            // (the next request on this connection waits behind it, as it would on a slow one).
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let receiver = self.receiver
            context.eventLoop.scheduleTask(in: .milliseconds(milliseconds)) {
                let (handler, context) = bound.value
                let status = receiver.check(token: token, body: bytes, signature: signature, skewSeconds: 0)
                // Outside a read: flushed now, with any answer written in the same turn.
                handler.answer(HTTPResponseStatus(statusCode: Int(status.code)), to: head, context: context)
                handler.unflushed = false
                context.flush()
            }
        }
    }

    private func answer(
        _ status: HTTPResponseStatus, to request: HTTPRequestHead, context: ChannelHandlerContext
    ) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Length", value: "0")
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(
            wrapOutboundOut(
                .head(HTTPResponseHead(version: request.version, status: status, headers: headers))),
            promise: nil)
        if keepAlive {
            context.write(wrapOutboundOut(.end(nil)), promise: nil)
            unflushed = true
        } else {
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        }
    }
}
