import NIOCore
import Synchronization

/// One keep-alive connection's end in the channel: it writes a request that is already bytes,
/// reads the answer with `WireResponseParser`, and hands it to the one waiting request.
///
/// Its state is touched only on its channel's event loop (`send` is called through
/// `EventLoop.execute`), which is what makes it safe to share; `isRetired` alone is read from
/// other threads, by the pool deciding whether to reuse the connection.
final class WireConnectionHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    typealias Answer = UnsafeContinuation<WireResponseParser.Response?, Never>

    private var context: ChannelHandlerContext?
    /// The request on the wire, waiting for its answer.
    private var pending: Answer?
    /// Bytes read that are not yet a whole response.
    private var received: ByteBuffer?
    private let retired = Atomic<Bool>(false)

    /// The connection must not carry another request: it closed, is closing, or its last
    /// answer said so. Set before the answer is handed over, so that the request's task never
    /// puts a dying connection back in the pool.
    var isRetired: Bool { retired.load(ordering: .acquiring) }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        retire(context: nil)
    }

    /// Writes `request` and answers `answer` with its response, or nil when none comes (the
    /// connection closed, timed out or answered something unreadable). On the event loop.
    func send(_ request: ByteBuffer, answer: Answer) {
        guard let context, !isRetired, pending == nil else {
            answer.resume(returning: nil)
            return
        }
        pending = answer
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if received == nil {
            received = buffer
        } else {
            received!.writeBuffer(&buffer)
        }
        readResponse(context: context, atEnd: false)
    }

    func channelInactive(context: ChannelHandlerContext) {
        readResponse(context: context, atEnd: true)
        retire(context: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        retire(context: context)
    }

    private func readResponse(context: ChannelHandlerContext, atEnd: Bool) {
        guard var bytes = received, bytes.readableBytes > 0 else { return }
        let outcome = bytes.withUnsafeReadableBytes { bytes in
            Result { () throws(WireResponseParser.Malformed) in
                try WireResponseParser.parse(bytes, atEnd: atEnd)
            }
        }
        switch outcome {
        case .success(.incomplete):
            return
        case .success(.complete(let response, let consumedBytes)):
            bytes.moveReaderIndex(forwardBy: consumedBytes)
            received = bytes.readableBytes > 0 ? bytes : nil
            // An answer nobody asked for, or bytes after one: the two ends disagree on where
            // a response ends, and nothing more on this connection can be trusted.
            guard let answer = pending, received == nil else {
                retire(context: context)
                return
            }
            pending = nil
            if response.closes {
                // Retired before the answer is handed over (see `isRetired`).
                retired.store(true, ordering: .releasing)
                answer.resume(returning: response)
                context.close(promise: nil)
            } else {
                answer.resume(returning: response)
            }
        case .failure:
            received = nil
            retire(context: context)
        }
    }

    /// Marks the connection retired, answers the waiting request with nil and closes the
    /// connection (when `context` is given).
    private func retire(context: ChannelHandlerContext?) {
        retired.store(true, ordering: .releasing)
        if let pending {
            self.pending = nil
            pending.resume(returning: nil)
        }
        context?.close(promise: nil)
    }
}
