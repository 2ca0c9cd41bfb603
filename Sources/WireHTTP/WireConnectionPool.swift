import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Keep-alive HTTP/1.1 connections, to one address or to many: an idle connection to a
/// request's address is lent to it and given back after its answer; a request that finds none
/// opens one. How many requests are on the wire at once is bounded by the caller (the runner's
/// `RequestGate`, the webhook sender's slots), and so, with `idleMax`, is what stays open.
///
/// It replaced AsyncHTTPClient on both sides, the runner's requests and the server's webhook
/// deliveries: per request that client ran a pool state machine, a transaction with its own
/// executor hops, a request written in two writes, an idle timer scheduled and cancelled per
/// lease, and a response body as an async sequence; here a request is one write and its answer
/// one callback on the connection's event loop (PERFORMANCE.md has the side-by-side figures).
public final class WireConnectionPool: Sendable {
    private let group: any EventLoopGroup
    /// Idle connections kept at most, over every address; one given back beyond that is closed.
    public let idleMax: Int

    private struct State {
        var idle: [WireAddress: [WireConnection]] = [:]
        var idleCount = 0
        var open: [ObjectIdentifier: WireConnection] = [:]
        var sweeper: RepeatedTask?
        var isShutDown = false
    }

    private let state = Mutex(State())

    /// How often requests are checked against their deadlines: a request answered nil for
    /// lateness is late by up to this much more.
    public static let sweepInterval = TimeAmount.milliseconds(100)
    public static let connectTimeout = TimeAmount.seconds(5)

    public init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, idleMax: Int = .max) {
        precondition(idleMax >= 0)
        self.group = group
        self.idleMax = idleMax
        let sweeper = group.next().scheduleRepeatedTask(
            initialDelay: Self.sweepInterval, delay: Self.sweepInterval
        ) { [weak self] _ in self?.sweep() }
        state.withLock { $0.sweeper = sweeper }
    }

    /// The event loops the connections run on (for a caller's own timers).
    public var eventLoopGroup: any EventLoopGroup { group }

    /// An idle connection to `address`, or a new one; nil when none could be opened.
    public func acquire(_ address: WireAddress) async -> WireConnection? {
        if let connection = idleConnection(to: address) { return connection }
        return try? await connect(address, timeout: Self.connectTimeout).get()
    }

    /// Hands `body` an idle connection to `address` at once, or a new one once it is open (on
    /// its event loop), or nil when none could be opened by `deadline` or within the connect
    /// timeout: for a caller that lives in callbacks, without a task per request.
    public func lease(
        _ address: WireAddress, deadline: NIODeadline,
        _ body: @escaping @Sendable (WireConnection?) -> Void
    ) {
        if let connection = idleConnection(to: address) {
            body(connection)
            return
        }
        let timeout = min(Self.connectTimeout, max(deadline - .now(), .zero))
        connect(address, timeout: timeout).whenComplete { body(try? $0.get()) }
    }

    /// Gives a connection back after its request: kept for the next one, or closed.
    public func release(_ connection: WireConnection) {
        let kept =
            connection.isReusable
            && state.withLock { state in
                guard !state.isShutDown, state.idleCount < idleMax else { return false }
                state.idle[connection.address, default: []].append(connection)
                state.idleCount += 1
                return true
            }
        if !kept { forget(connection) }
    }

    /// Closes every connection and stops the sweeps.
    public func shutdown() async {
        let (connections, sweeper) = state.withLock { state in
            state.isShutDown = true
            state.idle = [:]
            state.idleCount = 0
            defer { state.open = [:] }
            return (Array(state.open.values), state.sweeper)
        }
        sweeper?.cancel()
        for connection in connections { try? await connection.channel.close() }
    }

    /// The most recently used idle connection to `address` that can still carry a request
    /// (the others are closed on the way).
    private func idleConnection(to address: WireAddress) -> WireConnection? {
        while let connection = state.withLock({ state -> WireConnection? in
            guard let connection = state.idle[address]?.popLast() else { return nil }
            state.idleCount -= 1
            if state.idle[address]?.isEmpty == true { state.idle[address] = nil }
            return connection
        }) {
            if connection.isReusable { return connection }
            forget(connection)
        }
        return nil
    }

    private func connect(_ address: WireAddress, timeout: TimeAmount) -> EventLoopFuture<WireConnection?> {
        let handler = WireConnectionHandler()
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        return bootstrap.connect(host: address.host, port: address.port).map { [self] channel in
            let connection = WireConnection(channel: channel, handler: handler, address: address)
            let admitted = state.withLock { state in
                guard !state.isShutDown else { return false }
                state.open[ObjectIdentifier(connection)] = connection
                return true
            }
            guard admitted else {
                channel.close(promise: nil)
                return nil
            }
            return connection
        }.recover { _ in nil }
    }

    private func forget(_ connection: WireConnection) {
        _ = state.withLock { $0.open.removeValue(forKey: ObjectIdentifier(connection)) }
        connection.channel.close(promise: nil)
    }

    /// Closes the connections whose request is past its deadline. Outside the lock: a close
    /// on this event loop answers the request inline, and its caller may give the connection
    /// back (`release` takes the lock).
    private func sweep() {
        let now = NIODeadline.now()
        let open = state.withLock { Array($0.open.values) }
        for connection in open { connection.closeIfLate(now: now) }
    }
}
