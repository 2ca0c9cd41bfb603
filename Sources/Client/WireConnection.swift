import NIOCore
import Synchronization

/// A keep-alive HTTP/1.1 connection to the server that carries one request at a time, as the
/// pool lends it out. The deadline of the request on it is kept where the pool's sweeper can
/// read it: one sweep closes the connections whose request ran past it, instead of a timer
/// scheduled and cancelled for every request.
final class WireConnection: Sendable {
    let channel: any Channel
    let handler: WireConnectionHandler
    /// The request's deadline (`NIODeadline.uptimeNanoseconds`); 0 while none is on the wire.
    private let deadlineNanoseconds = Atomic<UInt64>(0)

    init(channel: any Channel, handler: WireConnectionHandler) {
        self.channel = channel
        self.handler = handler
    }

    /// Whether it can carry another request.
    var isReusable: Bool { !handler.isRetired && channel.isActive }

    /// Sends a request's bytes and waits for its answer; nil when none came by `deadline`.
    func send(_ request: WireRequest, deadline: NIODeadline) async -> WireResponse? {
        deadlineNanoseconds.store(deadline.uptimeNanoseconds, ordering: .relaxed)
        defer { deadlineNanoseconds.store(0, ordering: .relaxed) }
        let handler = self.handler
        let loop = channel.eventLoop
        return await withUnsafeContinuation { answer in
            loop.execute { handler.send(request) { answer.resume(returning: $0) } }
        }
    }

    /// Closes the connection if its request is past its deadline at `now`: the request is
    /// answered nil (no answer), as a timed-out request is.
    func closeIfLate(now: NIODeadline) {
        let deadline = deadlineNanoseconds.load(ordering: .relaxed)
        if deadline != 0 && deadline < now.uptimeNanoseconds { channel.close(promise: nil) }
    }
}
