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

    /// One address's idle connections, by the event loop their channel runs on.
    private struct IdleConnections {
        var byLoop: [ObjectIdentifier: [WireConnection]] = [:]
        var count = 0

        mutating func push(_ connection: WireConnection) {
            byLoop[connection.loopID, default: []].append(connection)
            count += 1
        }

        /// The most recently used one on `loop` when there is one, else on any loop.
        mutating func pop(preferring loop: ObjectIdentifier?) -> WireConnection? {
            guard count > 0 else { return nil }
            if let loop, let connection = byLoop[loop]?.popLast() {
                count -= 1
                return connection
            }
            for key in byLoop.keys {
                if let connection = byLoop[key]?.popLast() {
                    count -= 1
                    return connection
                }
            }
            return nil
        }
    }

    private struct State {
        var idle: [WireAddress: IdleConnections] = [:]
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

    /// Whether NIO checks each request's header names and values before it is written; off
    /// for a caller that writes only headers of its own making (the runner's), where the check
    /// walked every byte of every request.
    public let validatesHeaders: Bool

    /// An idle connection kept longer than this is closed instead of lent (nil: no limit).
    ///
    /// A server closes a connection idle for its own timeout; one lent just then is closed
    /// under its request (HTTP/1.1's keep-alive race), and a request that cannot be repeated
    /// safely (a POST without an idempotency key) is then lost with its outcome unknown. Well
    /// under the server's timeout, the connection is closed here before anything is sent on it.
    public let lendableIdleMax: TimeAmount?

    public init(
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, idleMax: Int = .max,
        lendableIdleMax: TimeAmount? = nil, validatesHeaders: Bool = true
    ) {
        precondition(idleMax >= 0)
        precondition(lendableIdleMax.map { $0 > .zero } ?? true)
        self.group = group
        self.idleMax = idleMax
        self.lendableIdleMax = lendableIdleMax
        self.validatesHeaders = validatesHeaders
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
        if lendableIdleMax != nil { connection.markIdle(now: .now()) }
        let kept =
            connection.isReusable
            && state.withLock { state in
                guard !state.isShutDown, state.idleCount < idleMax else { return false }
                state.idle[connection.address, default: IdleConnections()].push(connection)
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

    /// The most recently used idle connection to `address` that can still carry a request and
    /// has not been idle past `lendableIdleMax` (the others are closed on the way): one on the calling thread's event loop when there
    /// is one, so that the request is written and its answer read without waking the other
    /// loop's thread (`EventLoop.execute` from another thread writes to its eventfd).
    private func idleConnection(to address: WireAddress) -> WireConnection? {
        let here = MultiThreadedEventLoopGroup.currentEventLoop.map { ObjectIdentifier($0) }
        while let connection = state.withLock({ state -> WireConnection? in
            guard let connection = state.idle[address]?.pop(preferring: here) else { return nil }
            if state.idle[address]?.count == 0 { state.idle[address] = nil }
            state.idleCount -= 1
            return connection
        }) {
            if connection.isReusable, isFresh(connection) { return connection }
            forget(connection)
        }
        return nil
    }

    private func isFresh(_ connection: WireConnection) -> Bool {
        guard let lendableIdleMax else { return true }
        return connection.idleTime(now: .now()) < lendableIdleMax
    }

    private func connect(_ address: WireAddress, timeout: TimeAmount) -> EventLoopFuture<WireConnection?> {
        let handler = WireConnectionHandler()
        let validatesHeaders = self.validatesHeaders
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(
                        enableOutboundHeaderValidation: validatesHeaders)
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
