import Hummingbird
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

@testable import Client

/// The runner's keep-alive connections against real loopback servers: answers come back on
/// one reused connection, a request to a server that never answers is answered nil at its
/// deadline and its connection dropped, and a server nobody listens on gives no connection.
@Suite struct WireConnectionPoolTests {
    /// A loopback server with `/ok`, which answers at once.
    static func withServer(_ body: @Sendable (Int) async throws -> Void) async throws {
        let router = Router()
        router.get("/ok") { request, _ -> String in "ok \(request.uri.query ?? "")" }
        let server = try await LoopbackServer.start(router, label: "wire-pool-test")
        try await body(server.port)
        await server.stop()
    }

    /// A loopback server that accepts connections and reads every request without ever
    /// answering: only the client's deadline ends a request sent to it.
    static func withSilentServer(_ body: @Sendable (Int) async throws -> Void) async throws {
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(listener.localAddress?.port)
        do {
            try await body(port)
        } catch {
            try? await listener.close()
            throw error
        }
        try? await listener.close()
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
                // A deadline no starved test machine reaches: the answer, not the sweep, ends it.
                let answer = await connection.send(
                    Self.get("/ok?n=\(number)", port: port), deadline: .now() + .seconds(300))
                pool.release(connection)
                #expect(answer?.status == 200)
                #expect(answer?.body == "ok n=\(number)")
            }
            #expect(connections.count == 1)
            await pool.shutdown()
        }
    }

    @Test func aRequestPastItsDeadlineIsAnsweredNilAndItsConnectionDropped() async throws {
        try await Self.withSilentServer { port in
            let pool = WireConnectionPool(host: "127.0.0.1", port: port)
            let connection = try #require(await pool.acquire())
            let sent = ContinuousClock.now
            let answer = await connection.send(
                Self.get("/never", port: port), deadline: .now() + .milliseconds(200))
            // The server never answers: only the sweep past the deadline ended the request.
            #expect(answer == nil)
            #expect(sent.duration(to: .now) >= .milliseconds(200))
            #expect(!connection.isReusable)
            pool.release(connection)
            let next = try #require(await pool.acquire())
            #expect(next !== connection)
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
