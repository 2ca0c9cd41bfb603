import NIOCore
import NIOHTTP1
import Synchronization
import Testing

@testable import WireHTTP

/// Several requests written back to back on one connection (HTTP/1.1 pipelining): each answer
/// goes to the request it answers, in the order they were sent, and a connection lost in the
/// middle answers every request it left unanswered with nil, still in order.
@Suite struct WirePipeliningTests {
    static func get(_ path: String, port: Int) -> WireRequest {
        WireRequest(.GET, path, headers: ["Host": "127.0.0.1:\(port)"])
    }

    /// Sends `paths` pipelined on one connection and returns (index, body or nil) in the order
    /// the answers came.
    static func pipeline(
        _ paths: [String], on connection: WireConnection, port: Int
    ) async -> [(Int, String?)] {
        let answers = Mutex<[(Int, String?)]>([])
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            connection.send(paths.map { get($0, port: port) }, deadline: .now() + .seconds(300)) {
                index, answer in
                let count = answers.withLock { answers in
                    answers.append((index, answer?.body))
                    return answers.count
                }
                if count == paths.count { done.resume() }
            }
        }
        return answers.withLock { $0 }
    }

    @Test func pipelinedRequestsAreAnsweredInTheOrderSentEachWithItsOwnAnswer() async throws {
        let server = try await PipeliningServer.start()
        let pool = WireConnectionPool()
        let connection = try #require(await pool.acquire(WireAddress(host: "127.0.0.1", port: server.port)))
        let answers = await Self.pipeline(["/a", "/b?n=2", "/c"], on: connection, port: server.port)
        #expect(answers.map(\.0) == [0, 1, 2])
        #expect(answers.map(\.1) == ["/a", "/b?n=2", "/c"])
        // Free again once the last answer is in: the next request goes on the same connection.
        #expect(connection.isReusable)
        let next = await connection.send(Self.get("/d", port: server.port), deadline: .now() + .seconds(300))
        #expect(next?.body == "/d")
        pool.release(connection)
        await pool.shutdown()
        await server.stop()
    }

    @Test func aConnectionLostMidPipelineAnswersTheRestNilInOrder() async throws {
        // The server answers the first request and closes the connection on reading the second.
        let server = try await PipeliningServer.start(dropAt: 2)
        let pool = WireConnectionPool()
        let connection = try #require(await pool.acquire(WireAddress(host: "127.0.0.1", port: server.port)))
        let answers = await Self.pipeline(["/a", "/b", "/c", "/d"], on: connection, port: server.port)
        #expect(answers.map(\.0) == [0, 1, 2, 3])
        #expect(answers.map(\.1) == ["/a", nil, nil, nil])
        #expect(!connection.isReusable)
        pool.release(connection)
        await pool.shutdown()
        await server.stop()
    }
}
