import Hummingbird
import Testing

@testable import Server

/// The server's webhook sender over real sockets: a merchant whose endpoint is dead must not
/// hold up another merchant's webhooks while its deliveries wait for their retries.
@Suite struct WebhookSenderTests {
    /// A loopback endpoint that tells `arrivals` of every POST it answers 200.
    static func liveEndpoint() async throws -> (
        url: String, arrivals: AsyncStream<Void>, stop: () async -> Void
    ) {
        let (arrivals, arrived) = AsyncStream.makeStream(of: Void.self)
        let router = Router()
        router.post("/hook") { _, _ -> HTTPResponse.Status in
            arrived.yield()
            return .ok
        }
        let server = try await LoopbackServer.start(router, label: "webhook-sender-test")
        return ("http://127.0.0.1:\(server.port)/hook", arrivals, { await server.stop() })
    }

    static func delivery(_ number: Int, url: String) -> WebhookSender.Delivery {
        WebhookSender.Delivery(
            eventID: "evt_\(number)", eventType: "payment_intent.succeeded",
            endpointID: "we_\(url.hashValue)",
            url: url, secret: "whsec_test", body: Array("{\"id\":\"evt_\(number)\"}".utf8))
    }

    @Test func aDeadEndpointsRetriesDoNotHoldUpAnotherEndpoint() async throws {
        var configuration = WebhookSender.Configuration()
        configuration.concurrentMax = 4
        configuration.attemptsMax = 3
        // Retries far enough apart that a starved test process (the whole suite runs beside
        // it) still sees the live delivery arrive before the dead ones give up.
        configuration.backoffBase = .seconds(30)
        let sender = WebhookSender(configuration: configuration)
        let running = Task { try await sender.run() }
        let live = try await Self.liveEndpoint()
        // Twice as many deliveries as slots to an address nothing listens on (refused at once),
        // each owed two retries (the first 15-30 s later); then one to a live endpoint.
        for number in 0..<8 { sender.send(Self.delivery(number, url: "http://127.0.0.1:1/hook")) }
        sender.send(Self.delivery(100, url: live.url))
        var arrivals = live.arrivals.makeAsyncIterator()
        _ = await arrivals.next()
        // It arrived while the dead endpoint's deliveries still wait for retries: none of them
        // has been dead-lettered yet, so none held a slot until it gave up.
        let statistics = sender.statistics
        #expect(statistics.deadLettered == 0)
        #expect(statistics.failedAttempts >= 5)
        // A refused connection failed its attempt at once instead of being tried again until
        // the client's 5 s connect timeout, with the slot held. (One attempt of a starved test
        // process once ran into its 10 s deadline; the rest were refused within milliseconds.)
        let refused = sender.recentAttempts.filter { $0.status == nil }
        let refusedAtOnce = refused.filter { $0.latencyMilliseconds < 5_000 }
        #expect(refusedAtOnce.count >= 5, "\(refused.map(\.latencyMilliseconds))")
        running.cancel()
        _ = await running.result
        await live.stop()
    }
}
