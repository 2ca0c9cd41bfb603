import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Testing

@testable import Client

/// The runner's keep-alive connections against a real loopback server: answers come back on
/// one reused connection, a request past its deadline is answered nil and its connection
/// dropped, and a server nobody listens on gives no connection.
@Suite struct WireConnectionPoolTests {
    /// A loopback server with `/ok` (answers at once) and `/slow` (answers after 3 s).
    static func withServer(_ body: @Sendable (Int) async throws -> Void) async throws {
        let (bound, port) = AsyncStream.makeStream(of: Int.self)
        let router = Router()
        router.get("/ok") { request, _ -> String in "ok \(request.uri.query ?? "")" }
        router.get("/slow") { _, _ -> String in
            try await Task.sleep(for: .seconds(3))
            return "late"
        }
        var logger = Logger(label: "wire-pool-test")
        logger.logLevel = .warning
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { port.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task { try await group.run() }
        var ports = bound.makeAsyncIterator()
        let number = try #require(await ports.next())
        try await body(number)
        await group.triggerGracefulShutdown()
        _ = await task.result
    }

    static func get(_ path: String, port: Int) -> WireRequest {
        WireRequest(.GET, path, headers: ["Host": "127.0.0.1:\(port)"])
    }

    @Test func answersComeBackOnOneReusedConnection() async throws {
        try await Self.withServer { port in
            let pool = WireConnectionPool(host: "127.0.0.1", port: port)
            var connections: Set<ObjectIdentifier> = []
            for number in 0..<5 {
                let connection = try #require(await pool.acquire())
                connections.insert(ObjectIdentifier(connection))
                let answer = await connection.send(
                    Self.get("/ok?n=\(number)", port: port), deadline: .now() + .seconds(10))
                pool.release(connection)
                #expect(answer?.status == 200)
                #expect(answer?.body == "ok n=\(number)")
            }
            #expect(connections.count == 1)
            await pool.shutdown()
        }
    }

    @Test func aRequestPastItsDeadlineIsAnsweredNilAndItsConnectionDropped() async throws {
        try await Self.withServer { port in
            let pool = WireConnectionPool(host: "127.0.0.1", port: port)
            let connection = try #require(await pool.acquire())
            let sent = ContinuousClock.now
            let answer = await connection.send(
                Self.get("/slow", port: port), deadline: .now() + .milliseconds(200))
            let waited = sent.duration(to: .now)
            #expect(answer == nil)
            // Answered by the sweep after the deadline, not by the server's 3 s answer.
            #expect(waited < .seconds(2), "\(waited)")
            #expect(!connection.isReusable)
            pool.release(connection)
            let next = try #require(await pool.acquire())
            #expect(next !== connection)
            let fine = await next.send(Self.get("/ok", port: port), deadline: .now() + .seconds(10))
            #expect(fine?.status == 200)
            pool.release(next)
            await pool.shutdown()
        }
    }

    @Test func noServerGivesNoConnection() async {
        // Port 1 on loopback: nothing listens there, the connection is refused at once.
        let pool = WireConnectionPool(host: "127.0.0.1", port: 1)
        #expect(await pool.acquire() == nil)
        await pool.shutdown()
    }
}
