import NIOCore

/// A keep-alive HTTP/1.1 connection to the server that carries one request at a time, as the
/// pool lends it out. The deadline of the request on it is kept where the pool's sweeper can
/// read it (in its handler): one sweep closes the connections whose request ran past it,
/// instead of a timer scheduled and cancelled for every request.
final class WireConnection: Sendable {
    let channel: any Channel
    let handler: WireConnectionHandler

    init(channel: any Channel, handler: WireConnectionHandler) {
        self.channel = channel
        self.handler = handler
    }

    /// Whether it can carry another request.
    var isReusable: Bool { !handler.isRetired && channel.isActive }

    /// Sends a request's bytes and waits for its answer; nil when none came by `deadline`.
    func send(_ request: WireRequest, deadline: NIODeadline) async -> WireResponse? {
        let handler = self.handler
        handler.startClock(deadline: deadline)
        let loop = channel.eventLoop
        return await withUnsafeContinuation { answer in
            loop.execute { handler.send(request) { answer.resume(returning: $0) } }
        }
    }

    /// Closes the connection if its request is past its deadline at `now`: the request is
    /// answered nil (no answer), as a timed-out request is.
    func closeIfLate(now: NIODeadline) {
        if handler.isLate(now: now) { channel.close(promise: nil) }
    }
}
