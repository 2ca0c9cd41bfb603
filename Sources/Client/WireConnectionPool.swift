import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The runner's keep-alive connections to one server: an idle connection is lent to a
/// request and given back after its answer; a request that finds none opens one. How many are
/// open at once is bounded by the `RequestGate` in front (one connection per slot).
///
/// It replaced AsyncHTTPClient on the runner's side: per request that client ran a pool state
/// machine, a transaction with its own executor hops, a request written as three parts and a
/// response body as an async sequence, the largest part of the runner's CPU per payment.
final class WireConnectionPool: Sendable {
    let host: String
    let port: Int
    private let group: any EventLoopGroup
    private struct State {
        var idle: [WireConnection] = []
        var open: [ObjectIdentifier: WireConnection] = [:]
        var sweeper: RepeatedTask?
        var isShutDown = false
    }

    private let state = Mutex(State())

    /// How often requests are checked against their deadlines: a request answered nil for
    /// lateness is late by up to this much more.
    static let sweepInterval = TimeAmount.milliseconds(100)
    static let connectTimeout = TimeAmount.seconds(5)

    init(host: String, port: Int, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.host = host
        self.port = port
        self.group = group
        let sweeper = group.next().scheduleRepeatedTask(
            initialDelay: Self.sweepInterval, delay: Self.sweepInterval
        ) { [weak self] _ in self?.sweep() }
        state.withLock { $0.sweeper = sweeper }
    }

    /// An idle connection, or a new one; nil when none could be opened.
    func acquire() async -> WireConnection? {
        while let connection = state.withLock({ $0.idle.popLast() }) {
            if connection.isReusable { return connection }
            forget(connection)
        }
        return await connect()
    }

    /// Gives a connection back after its request: kept for the next one, or dropped.
    func release(_ connection: WireConnection) {
        let kept =
            connection.isReusable
            && state.withLock { state in
                guard !state.isShutDown else { return false }
                state.idle.append(connection)
                return true
            }
        if !kept { forget(connection) }
    }

    /// Closes every connection and stops the sweeps.
    func shutdown() async {
        let (connections, sweeper) = state.withLock { state in
            state.isShutDown = true
            state.idle = []
            defer { state.open = [:] }
            return (Array(state.open.values), state.sweeper)
        }
        sweeper?.cancel()
        for connection in connections { try? await connection.channel.close() }
    }

    private func connect() async -> WireConnection? {
        let handler = WireConnectionHandler()
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(Self.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        guard let channel = try? await bootstrap.connect(host: host, port: port).get() else { return nil }
        let connection = WireConnection(channel: channel, handler: handler)
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
    }

    private func forget(_ connection: WireConnection) {
        _ = state.withLock { $0.open.removeValue(forKey: ObjectIdentifier(connection)) }
        connection.channel.close(promise: nil)
    }

    private func sweep() {
        let now = NIODeadline.now()
        state.withLock { state in
            for connection in state.open.values { connection.closeIfLate(now: now) }
        }
    }
}
