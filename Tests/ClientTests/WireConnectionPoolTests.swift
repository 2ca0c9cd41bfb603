import Hummingbird
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

@testable import WireHTTP

/// Keep-alive connections against real loopback servers: answers come back on one reused
/// connection, a request to a server that never answers is answered nil at its deadline and its
/// connection dropped, a server nobody listens on gives no connection, each address gets its
/// own connections, and no more stay idle than the pool keeps.
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

    static func address(_ port: Int) -> WireAddress { WireAddress(host: "127.0.0.1", port: port) }

    static func get(_ path: String, port: Int) -> WireRequest {
        WireRequest(.GET, path, headers: ["Host": "127.0.0.1:\(port)"])
    }

    @Test func answersComeBackOnOneReusedConnection() async throws {
        try await Self.withServer { port in
            let pool = WireConnectionPool()
            var connections: Set<ObjectIdentifier> = []
            for number in 0..<5 {
                let connection = try #require(await pool.acquire(Self.address(port)))
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
            let pool = WireConnectionPool()
            let connection = try #require(await pool.acquire(Self.address(port)))
            let sent = ContinuousClock.now
            let answer = await connection.send(
                Self.get("/never", port: port), deadline: .now() + .milliseconds(200))
            // The server never answers: only the sweep past the deadline ended the request.
            #expect(answer == nil)
            #expect(sent.duration(to: .now) >= .milliseconds(200))
            #expect(!connection.isReusable)
            pool.release(connection)
            let next = try #require(await pool.acquire(Self.address(port)))
            #expect(next !== connection)
            pool.release(next)
            await pool.shutdown()
        }
    }

    @Test func noServerGivesNoConnection() async {
        // Port 1 on loopback: nothing listens there, the connection is refused at once.
        let pool = WireConnectionPool()
        #expect(await pool.acquire(Self.address(1)) == nil)
        await pool.shutdown()
    }

    /// What a caller in callbacks (the webhook sender) gets: a connection handed to a closure,
    /// and the answer to another.
    static func leaseAndSend(
        _ pool: WireConnectionPool, port: Int, path: String
    ) async -> (connection: WireConnection?, answer: WireResponse?) {
        await withCheckedContinuation { done in
            let deadline = NIODeadline.now() + .seconds(300)
            pool.lease(Self.address(port), deadline: deadline) { connection in
                guard let connection else { return done.resume(returning: (nil, nil)) }
                connection.send(Self.get(path, port: port), deadline: deadline) { answer in
                    pool.release(connection)
                    done.resume(returning: (connection, answer))
                }
            }
        }
    }

    @Test func aLeasedConnectionAnswersInACallbackAndIsLentAgain() async throws {
        try await Self.withServer { port in
            let pool = WireConnectionPool()
            let first = await Self.leaseAndSend(pool, port: port, path: "/ok?n=1")
            #expect(first.answer?.status == 200)
            #expect(first.answer?.body == "ok n=1")
            let second = await Self.leaseAndSend(pool, port: port, path: "/ok?n=2")
            #expect(second.answer?.body == "ok n=2")
            #expect(first.connection != nil && first.connection === second.connection)
            let refused = await Self.leaseAndSend(pool, port: 1, path: "/ok")
            #expect(refused.connection == nil)
            await pool.shutdown()
        }
    }

    @Test func eachAddressHasItsOwnConnectionsAndNoMoreThanIdleMaxStayOpen() async throws {
        try await Self.withServer { first in
            try await Self.withServer { second in
                let pool = WireConnectionPool(idleMax: 1)
                let toFirst = try #require(await pool.acquire(Self.address(first)))
                let toSecond = try #require(await pool.acquire(Self.address(second)))
                #expect(toFirst !== toSecond)
                pool.release(toFirst)
                // The one idle connection goes to the first server: the second gets a new one.
                let again = try #require(await pool.acquire(Self.address(second)))
                #expect(again !== toFirst)
                // One idle already: the two given back now are closed, not kept.
                pool.release(toSecond)
                pool.release(again)
                let back = try #require(await pool.acquire(Self.address(first)))
                #expect(back === toFirst)
                let fresh = try #require(await pool.acquire(Self.address(second)))
                #expect(fresh !== toSecond && fresh !== again)
                let answer = await fresh.send(
                    Self.get("/ok?n=3", port: second), deadline: .now() + .seconds(300))
                #expect(answer?.body == "ok n=3")
                pool.release(fresh)
                await pool.shutdown()
            }
        }
    }

    @Test func anIdleConnectionOnTheCallersEventLoopIsLentFirst() async throws {
        try await Self.withServer { port in
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
            let pool = WireConnectionPool(group: group)
            // Opened until the two loops each have one (connections go to the loops in turn).
            var opened: [WireConnection] = []
            while Set(opened.map(\.loopID)).count < 2, opened.count < 8 {
                opened.append(try #require(await pool.acquire(Self.address(port))))
            }
            for connection in opened { pool.release(connection) }
            for loop in [group.next(), group.next()] {
                let lent = try await loop.submit { () -> EventLoopFuture<ObjectIdentifier?> in
                    let promise = loop.makePromise(of: ObjectIdentifier?.self)
                    pool.lease(Self.address(port), deadline: .now() + .seconds(300)) { connection in
                        if let connection { pool.release(connection) }
                        promise.succeed(connection?.loopID)
                    }
                    return promise.futureResult
                }.flatMap { $0 }.get()
                #expect(lent == ObjectIdentifier(loop))
            }
            await pool.shutdown()
            try await group.shutdownGracefully()
        }
    }

    @Test func aConnectionIdlePastTheLendableMaxIsClosedNotLent() async throws {
        // The server closes a kept-alive connection under its second request, as one closing
        // it as idle would: a connection idle past the pool's limit must not carry that request.
        let server = try await IdleClosingServer.start()
        let pool = WireConnectionPool(lendableIdleMax: .milliseconds(200))
        let first = try #require(await pool.acquire(Self.address(server.port)))
        let answer = await first.send(Self.get("/one", port: server.port), deadline: .now() + .seconds(300))
        #expect(answer?.status == 200)
        pool.release(first)
        try await Task.sleep(for: .milliseconds(400))
        let second = try #require(await pool.acquire(Self.address(server.port)))
        #expect(second !== first)
        // Closed on the way, on its event loop: not at once.
        let closing = ContinuousClock.now
        while first.isReusable, closing.duration(to: .now) < .seconds(10) {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(!first.isReusable)
        let again = await second.send(Self.get("/two", port: server.port), deadline: .now() + .seconds(300))
        #expect(again?.status == 200)
        pool.release(second)
        // Given back and taken at once, well within the limit: the same connection.
        let third = try #require(await pool.acquire(Self.address(server.port)))
        #expect(third === second)
        pool.release(third)
        await pool.shutdown()
        await server.stop()
    }
}
