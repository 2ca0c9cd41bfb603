import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Testing

@testable import Client
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

    /// Hands GETs of `paths` to `pipeliner` on one event loop in one turn (so they go out
    /// together) and returns each path's outcome: the answer's body, `HTTP <status>` for another
    /// status, or what became of it.
    static func handOver(
        _ paths: [String], to pipeliner: WirePipeliner, port: Int
    ) async -> [String: String] {
        let address = WireAddress(host: "127.0.0.1", port: port)
        let outcomes = Mutex<[String: String]>([:])
        let done = Mutex<CheckedContinuation<Void, Never>?>(nil)
        await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
            done.withLock { $0 = finished }
            MultiThreadedEventLoopGroup.singleton.any().execute {
                for path in paths {
                    pipeliner.send(get(path, port: port), to: address, deadline: .now() + .seconds(300)) {
                        outcome in
                        let text =
                            switch outcome {
                            case .answered(let answer):
                                answer.status == 200 ? answer.body : "HTTP \(answer.status)"
                            case .noConnection: "no connection"
                            case .unanswered: "unanswered"
                            }
                        let count = outcomes.withLock { outcomes in
                            outcomes[path] = text
                            return outcomes.count
                        }
                        if count == paths.count { done.withLock { $0 }?.resume() }
                    }
                }
            }
        }
        return outcomes.withLock { $0 }
    }

    @Test func requestsHandedOverTogetherArePipelinedAndEachGetsItsOwnAnswer() async throws {
        let server = try await PipeliningServer.start()
        let pool = WireConnectionPool()
        // Three to a connection.
        let pipeliner = WirePipeliner(pool: pool, depthMax: 3)
        let paths = (1...7).map { "/p\($0)" }
        let answers = await Self.handOver(paths, to: pipeliner, port: server.port)
        #expect(answers == Dictionary(uniqueKeysWithValues: paths.map { ($0, $0) }))
        await pool.shutdown()
        await server.stop()
    }

    @Test func aServerThatClosesAfterEachAnswerGetsEveryRequestOnceAndAnswersEach() async throws {
        // Python's `http.server` by default: HTTP/1.0, one answer a connection. Nothing
        // pipelined behind a fresh connection's first request, and what an answer that closes
        // leaves unread goes again on a connection of its own: every request answered, none
        // reported unanswered, each acted on once.
        let server = try await PipeliningServer.start(closesAfterEachAnswer: true)
        let pool = WireConnectionPool()
        let pipeliner = WirePipeliner(pool: pool, depthMax: 4)
        let paths = (1...9).map { "/c\($0)" }
        let outcomes = await Self.handOver(paths, to: pipeliner, port: server.port)
        #expect(outcomes == Dictionary(uniqueKeysWithValues: paths.map { ($0, $0) }))
        #expect(server.answeredBodies.count == paths.count)
        await pool.shutdown()
        await server.stop()
    }

    @Test func concurrentReadsEachGetTheirOwnAnswerWhenAConnectionDropsMidPipeline() async throws {
        // The first connection is closed on its second request: reads behind it are sent again.
        let server = try await PipeliningServer.start(dropAt: 2)
        let target = HTTPPaymentTarget(baseURL: "http://127.0.0.1:\(server.port)")
        let answers = await withTaskGroup(of: (Int, String?).self) { group in
            for number in 0..<32 {
                group.addTask { (number, await target.request(.GET, "/r?n=\(number)")?.body) }
            }
            var answers: [Int: String] = [:]
            for await (number, body) in group { answers[number] = body }
            return answers
        }
        for number in 0..<32 { #expect(answers[number] == "/r?n=\(number)") }
        try await target.shutdown()
        await server.stop()
    }
}
