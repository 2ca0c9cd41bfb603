import NIOCore
import Synchronization

/// A keep-alive HTTP/1.1 connection that carries one request at a time, or one batch of
/// pipelined requests, as the pool lends it out. The deadline of the request on it is kept where the pool's sweeper can read it (in its
/// handler): one sweep closes the connections whose request ran past it, instead of a timer
/// scheduled and cancelled for every request.
public final class WireConnection: Sendable {
    let channel: any Channel
    let handler: WireConnectionHandler
    /// Where it goes: the pool keeps it idle under this address.
    let address: WireAddress
    /// The event loop its channel runs on: the pool keeps it idle under it too.
    let loopID: ObjectIdentifier
    private let requestsSent = Atomic<Int>(0)
    /// When it was last given back to the pool (`NIODeadline.uptimeNanoseconds`).
    private let idleSinceNanoseconds = Atomic<UInt64>(0)

    init(channel: any Channel, handler: WireConnectionHandler, address: WireAddress) {
        self.channel = channel
        self.handler = handler
        self.address = address
        loopID = ObjectIdentifier(channel.eventLoop)
    }

    /// Whether it can carry another request.
    public var isReusable: Bool { !handler.isRetired && channel.isActive }

    /// Whether it carried a request before (kept alive since): a request that finds such a
    /// connection closed under it may have met the server closing it as idle.
    public var wasUsed: Bool { requestsSent.load(ordering: .relaxed) > 0 }

    /// Notes that it is idle from `now` (given back to the pool).
    func markIdle(now: NIODeadline) {
        idleSinceNanoseconds.store(now.uptimeNanoseconds, ordering: .relaxed)
    }

    /// How long it has been idle at `now`, since it was last given back.
    func idleTime(now: NIODeadline) -> TimeAmount {
        let since = idleSinceNanoseconds.load(ordering: .relaxed)
        return .nanoseconds(Int64(now.uptimeNanoseconds &- min(since, now.uptimeNanoseconds)))
    }

    /// Sends a request's bytes and waits for its answer; nil when none came by `deadline`.
    public func send(_ request: WireRequest, deadline: NIODeadline) async -> WireResponse? {
        await withUnsafeContinuation { answer in
            send(request, deadline: deadline) { answer.resume(returning: $0) }
        }
    }

    /// Sends a request's bytes and calls `answer` on the connection's event loop with its
    /// answer, or nil when none came by `deadline`: for a caller that lives in callbacks (the
    /// webhook sender), without a task per request.
    public func send(
        _ request: WireRequest, deadline: NIODeadline,
        answer: @escaping @Sendable (WireResponse?) -> Void
    ) {
        let handler = self.handler
        requestsSent.add(1, ordering: .relaxed)
        handler.startClock(deadline: deadline)
        let loop = channel.eventLoop
        if loop.inEventLoop {
            handler.send(request, answer: answer)
        } else {
            loop.execute { handler.send(request, answer: answer) }
        }
    }

    /// Sends `requests` back to back in one write, without waiting for an answer between them
    /// (HTTP/1.1 pipelining), and calls `answer` on the connection's event loop with each one's
    /// index and answer, in the order they were sent: nil for every one not answered when the
    /// connection drops or `deadline` passes. Only for requests the caller can send again
    /// when they are unanswered: a server may have acted on them, or not, or on some of them.
    public func send(
        _ requests: [WireRequest], deadline: NIODeadline,
        answer: @escaping @Sendable (Int, WireResponse?) -> Void
    ) {
        let handler = self.handler
        requestsSent.add(requests.count, ordering: .relaxed)
        handler.startClock(deadline: deadline)
        let loop = channel.eventLoop
        if loop.inEventLoop {
            handler.send(requests, answer: answer)
        } else {
            loop.execute { handler.send(requests, answer: answer) }
        }
    }

    /// Closes the connection if its request is past its deadline at `now`: the request is
    /// answered nil (no answer), as a timed-out request is.
    func closeIfLate(now: NIODeadline) {
        if handler.isLate(now: now) { channel.close(promise: nil) }
    }
}
