import Hummingbird
import Logging
import ServiceLifecycle

/// A Hummingbird server on a free loopback port for a test's requests: its port, and how to
/// stop it.
struct LoopbackServer {
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    static func start(_ router: Router<BasicRequestContext>, label: String) async throws -> LoopbackServer {
        let (bound, port) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: label)
        logger.logLevel = .warning
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { port.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task { try await group.run() }
        var ports = bound.makeAsyncIterator()
        guard let number = await ports.next() else { throw CancellationError() }
        return LoopbackServer(port: number, group: group, task: task)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
    }
}
