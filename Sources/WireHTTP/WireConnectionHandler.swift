import NIOCore
import NIOHTTP1
import Synchronization

/// One keep-alive connection's end in the channel, after NIO's HTTP/1 codec: it writes a
/// request, or several back to back (HTTP/1.1 pipelining), and hands each decoded answer to the
/// request it answers, in the order they were written (an HTTP/1.1 server answers in order).
///
/// Its state is touched only on its channel's event loop (`send` is called through
/// `EventLoop.execute`), which is what makes it safe to share; `isRetired` alone is read from
/// other threads, by the pool deciding whether to reuse the connection.
final class WireConnectionHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart
    typealias Answer = @Sendable (WireResponse?) -> Void

    private var context: ChannelHandlerContext?
    /// The requests on the wire, oldest first, waiting for their answers.
    private var pending = CircularBuffer<Answer>(initialCapacity: 1)
    /// The answer being read: its head came, its end has not.
    private var response: WireResponse?
    private var body: ByteBuffer?
    private let retired = Atomic<Bool>(false)
    /// The deadline of the requests on the wire (`NIODeadline.uptimeNanoseconds`), 0 while none
    /// is: set by the sender, cleared here the moment the last one's answer is in, so that the pool's
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
        guard let context, !isRetired, pending.isEmpty else {
            deadlineNanoseconds.store(0, ordering: .relaxed)
            answer(nil)
            return
        }
        write(request, answer: answer, context: context)
        context.flush()
    }

    /// Writes `requests` back to back, flushed once, without waiting for an answer between
    /// them; `answer` gets each one's index with its response, in order. When the connection
    /// drops or turns unreadable, every request not answered yet gets nil, still in order.
    func send(_ requests: [WireRequest], answer: @escaping @Sendable (Int, WireResponse?) -> Void) {
        guard let context, !isRetired, pending.isEmpty else {
            deadlineNanoseconds.store(0, ordering: .relaxed)
            for index in requests.indices { answer(index, nil) }
            return
        }
        for (index, request) in requests.enumerated() {
            write(request, answer: { answer(index, $0) }, context: context)
        }
        context.flush()
    }

    private func write(_ request: WireRequest, answer: @escaping Answer, context: ChannelHandlerContext) {
        pending.append(answer)
        context.write(wrapOutboundOut(.head(request.head)), promise: nil)
        if let body = request.body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.write(wrapOutboundOut(.end(nil)), promise: nil)
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
            guard let answer = pending.popFirst() else {
                retire(context: context)
                return
            }
            if pending.isEmpty { deadlineNanoseconds.store(0, ordering: .relaxed) }
            if response.closes {
                // Retired before the answer is handed over (see `isRetired`).
                retired.store(true, ordering: .releasing)
                answer(response)
                // The requests written after it were not read by the server.
                retire(context: context)
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

    /// Marks the connection retired, answers the waiting requests with nil, oldest first, and
    /// closes the connection (when `context` is given).
    private func retire(context: ChannelHandlerContext?) {
        retired.store(true, ordering: .releasing)
        deadlineNanoseconds.store(0, ordering: .relaxed)
        response = nil
        body = nil
        while let answer = pending.popFirst() { answer(nil) }
        context?.close(promise: nil)
    }
}
