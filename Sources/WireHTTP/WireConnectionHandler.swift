import NIOCore
import NIOHTTP1
import Synchronization

/// One keep-alive connection's end in the channel, after NIO's HTTP/1 codec: it writes a
/// request and hands the decoded answer to the one waiting request.
///
/// Its state is touched only on its channel's event loop (`send` is called through
/// `EventLoop.execute`), which is what makes it safe to share; `isRetired` alone is read from
/// other threads, by the pool deciding whether to reuse the connection.
final class WireConnectionHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart
    typealias Answer = @Sendable (WireResponse?) -> Void

    private var context: ChannelHandlerContext?
    /// The request on the wire, waiting for its answer.
    private var pending: Answer?
    /// The answer being read: its head came, its end has not.
    private var response: WireResponse?
    private var body: ByteBuffer?
    private let retired = Atomic<Bool>(false)
    /// The deadline of the request on the wire (`NIODeadline.uptimeNanoseconds`), 0 while none
    /// is: set by the sender, cleared here the moment its answer is in, so that the pool's
    /// sweep never closes a connection whose answer came while its task waited for a thread.
    private let deadlineNanoseconds = Atomic<UInt64>(0)

    /// The connection must not carry another request: it closed, is closing, or its last
    /// answer said so. Set before the answer is handed over, so that the request's task never
    /// puts a dying connection back in the pool.
    var isRetired: Bool { retired.load(ordering: .acquiring) }

    /// Notes the deadline of the request about to be sent.
    func startClock(deadline: NIODeadline) {
        deadlineNanoseconds.store(deadline.uptimeNanoseconds, ordering: .relaxed)
    }

    /// Whether the request on the wire is still unanswered past its deadline at `now`.
    func isLate(now: NIODeadline) -> Bool {
        let deadline = deadlineNanoseconds.load(ordering: .relaxed)
        return deadline != 0 && deadline < now.uptimeNanoseconds
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        retire(context: nil)
    }

    /// Writes `request` and answers `answer` with its response, or nil when none comes (the
    /// connection closed, timed out or answered something unreadable). On the event loop.
    func send(_ request: WireRequest, answer: @escaping Answer) {
        guard let context, !isRetired, pending == nil else {
            deadlineNanoseconds.store(0, ordering: .relaxed)
            answer(nil)
            return
        }
        pending = answer
        context.write(wrapOutboundOut(.head(request.head)), promise: nil)
        if let body = request.body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            response = WireResponse(head: head)
        case .body(var part):
            if body == nil {
                body = part
            } else {
                body!.writeBuffer(&part)
            }
        case .end:
            guard var response else {
                retire(context: context)
                return
            }
            self.response = nil
            response.body = body.map { String(buffer: $0) } ?? ""
            body = nil
            // An answer nobody asked for: the two ends disagree on where a response ends, and
            // nothing more on this connection can be trusted.
            guard let answer = pending else {
                retire(context: context)
                return
            }
            pending = nil
            deadlineNanoseconds.store(0, ordering: .relaxed)
            if response.closes {
                // Retired before the answer is handed over (see `isRetired`).
                retired.store(true, ordering: .releasing)
                answer(response)
                context.close(promise: nil)
            } else {
                answer(response)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        retire(context: nil)
        context.fireChannelInactive()
    }

    /// A response the codec cannot read, or a socket error: the answer is unknown.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        retire(context: context)
    }

    /// Marks the connection retired, answers the waiting request with nil and closes the
    /// connection (when `context` is given).
    private func retire(context: ChannelHandlerContext?) {
        retired.store(true, ordering: .releasing)
        deadlineNanoseconds.store(0, ordering: .relaxed)
        response = nil
        body = nil
        if let pending {
            self.pending = nil
            pending(nil)
        }
        context?.close(promise: nil)
    }
}
