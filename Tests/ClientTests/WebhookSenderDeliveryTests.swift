import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOPosix
import Services
import Synchronization
import Testing

@testable import Server

/// The server's webhook sender on its keep-alive connections, against real loopback
/// endpoints: what arrives is the body signed as Stripe signs it, at the URL's path and query;
/// a failed attempt is tried again after its backoff; an endpoint that never answers fails
/// each attempt at its deadline until the delivery is dead-lettered.
@Suite struct WebhookSenderDeliveryTests {
    static let secret = "whsec_delivery_test_secret"

    /// One POST as the endpoint saw it.
    struct Arrival: Sendable {
        var uri: String
        var body: [UInt8]
        var signature: String?
        var contentType: String?
    }

    /// A loopback endpoint at `/hook` that answers the first `failures` POSTs 500 and the rest
    /// 200, and tells `arrivals` of each.
    static func endpoint(
        failures: Int = 0
    ) async throws -> (
        port: Int, arrivals: AsyncStream<Arrival>, stop: () async -> Void
    ) {
        let (arrivals, arrived) = AsyncStream.makeStream(of: Arrival.self)
        let failuresLeft = Atomic<Int>(failures)
        let router = Router()
        router.post("/hook") { request, _ -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 1 << 16)
            arrived.yield(
                Arrival(
                    uri: request.uri.description, body: Array(buffer: body),
                    signature: request.headers[HTTPField.Name("Stripe-Signature")!],
                    contentType: request.headers[.contentType]))
            return failuresLeft.subtract(1, ordering: .relaxed).oldValue > 0 ? .internalServerError : .ok
        }
        let server = try await LoopbackServer.start(router, label: "webhook-delivery-test")
        return (server.port, arrivals, { await server.stop() })
    }

    static func delivery(_ number: Int, url: String) -> WebhookSender.Delivery {
        WebhookSender.Delivery(
            eventID: "evt_\(number)", eventType: "payment_intent.succeeded", endpointID: "we_1",
            url: url, secret: secret,
            body: Array("{\"id\":\"evt_\(number)\",\"object\":\"event\"}".utf8))
    }

    @Test func eachDeliveryArrivesSignedAtItsPathAndQuery() async throws {
        let sender = WebhookSender()
        let running = Task { try await sender.run() }
        let endpoint = try await Self.endpoint()
        let url = "http://127.0.0.1:\(endpoint.port)/hook?merchant=m1"
        let count = 20
        for number in 0..<count { sender.send(Self.delivery(number, url: url)) }
        var seen: Set<String> = []
        for await arrival in endpoint.arrivals {
            #expect(arrival.uri == "/hook?merchant=m1")
            #expect(arrival.contentType == "application/json; charset=utf-8")
            let header = try #require(arrival.signature)
            let timestamp = try WebhookSigner.verify(
                payload: arrival.body, header: header, secret: Self.secret,
                now: Int64(Date().timeIntervalSince1970))
            #expect(abs(timestamp - Int64(Date().timeIntervalSince1970)) < 60)
            let body = String(decoding: arrival.body, as: UTF8.self)
            #expect(body.hasPrefix("{\"id\":\"evt_") && body.hasSuffix("\",\"object\":\"event\"}"))
            seen.insert(body)
            if seen.count == count { break }
        }
        // Every event once, none garbled: the bodies on shared connections did not mix.
        #expect(seen.count == count)
        running.cancel()
        _ = await running.result
        #expect(sender.statistics.delivered == count)
        await endpoint.stop()
    }

    @Test func aFailedAttemptIsTriedAgainAfterItsBackoffUntilDelivered() async throws {
        var configuration = WebhookSender.Configuration()
        configuration.backoffBase = .milliseconds(20)
        // Far past any answer's time: on a starved machine (the whole suite on two cores) an
        // attempt at the default 10 s deadline was once answered too late and counted nil.
        configuration.timeout = .seconds(120)
        let (settled, settling) = AsyncStream.makeStream(of: String.self)
        let sender = WebhookSender(configuration: configuration) { settling.yield($0.eventID) }
        let running = Task { try await sender.run() }
        let endpoint = try await Self.endpoint(failures: 2)
        sender.send(Self.delivery(7, url: "http://127.0.0.1:\(endpoint.port)/hook"))
        var iterator = settled.makeAsyncIterator()
        #expect(await iterator.next() == "evt_7")
        let statistics = sender.statistics
        #expect(statistics.delivered == 1)
        #expect(statistics.failedAttempts == 2)
        #expect(statistics.deadLettered == 0)
        #expect(sender.recentAttempts.map(\.status) == [500, 500, 200])
        #expect(sender.recentAttempts.map(\.attempt) == [1, 2, 3])
        running.cancel()
        _ = await running.result
        await endpoint.stop()
    }

    @Test func anEndpointThatNeverAnswersFailsEachAttemptAtItsDeadline() async throws {
        // Accepts connections and reads what comes, never answers.
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(listener.localAddress?.port)
        var configuration = WebhookSender.Configuration()
        configuration.timeout = .milliseconds(300)
        configuration.attemptsMax = 2
        configuration.backoffBase = .milliseconds(1)
        let (settled, settling) = AsyncStream.makeStream(of: String.self)
        let sender = WebhookSender(configuration: configuration) { settling.yield($0.eventID) }
        let running = Task { try await sender.run() }
        sender.send(Self.delivery(9, url: "http://127.0.0.1:\(port)/hook"))
        var iterator = settled.makeAsyncIterator()
        #expect(await iterator.next() == "evt_9")
        let statistics = sender.statistics
        #expect(statistics.deadLettered == 1)
        #expect(statistics.failedAttempts == 2)
        #expect(sender.deadLetters.map(\.eventID) == ["evt_9"])
        // Each attempt ended at its deadline (the pool's sweep closes it up to 100 ms later).
        let latencies = sender.recentAttempts.map(\.latencyMilliseconds)
        #expect(latencies.count == 2 && latencies.allSatisfy { $0 >= 300 }, "\(latencies)")
        #expect(sender.recentAttempts.allSatisfy { $0.status == nil })
        running.cancel()
        _ = await running.result
        try? await listener.close()
    }

    @Test func deliveriesPipelinedOnAConnectionLostMidwayAreRetriedUntilDelivered() async throws {
        // The endpoint answers the first request of its first connection and closes it on
        // reading the second: the deliveries written behind it are unanswered.
        let server = try await PipeliningServer.start(dropAt: 2)
        var configuration = WebhookSender.Configuration()
        configuration.backoffBase = .milliseconds(20)
        configuration.timeout = .seconds(120)
        let (settled, settling) = AsyncStream.makeStream(of: String.self)
        let sender = WebhookSender(configuration: configuration) { settling.yield($0.eventID) }
        let running = Task { try await sender.run() }
        let url = "http://127.0.0.1:\(server.port)/hook"
        // Sent from an event loop, as the fan-out of one call: the four go out together, pipelined
        // on one connection, once the loop is done with this task.
        try await MultiThreadedEventLoopGroup.singleton.any().submit {
            for number in 1...4 { sender.send(Self.delivery(number, url: url)) }
        }.get()
        var iterator = settled.makeAsyncIterator()
        var done: Set<String> = []
        while done.count < 4, let eventID = await iterator.next() { done.insert(eventID) }
        #expect(done == ["evt_1", "evt_2", "evt_3", "evt_4"])
        let statistics = sender.statistics
        #expect(statistics.delivered == 4)
        #expect(statistics.deadLettered == 0)
        // The three behind the lost one failed their first attempt and went again.
        #expect(statistics.failedAttempts == 3)
        let first = sender.recentAttempts.filter { $0.attempt == 1 }
        #expect(first.map(\.eventID) == ["evt_1", "evt_2", "evt_3", "evt_4"])
        #expect(first.map(\.status) == [200, nil, nil, nil])
        #expect(Set(server.answeredBodies).count == 4)
        running.cancel()
        _ = await running.result
        await server.stop()
    }
}
