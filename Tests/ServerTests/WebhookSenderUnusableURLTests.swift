import Testing

@testable import Server

/// A merchant may register `http://` (the API checks only the scheme): the sender cannot post to
/// it, and must count each attempt failed and dead-letter the delivery, not crash or hang.
@Suite struct WebhookSenderUnusableURLTests {
    @Test func deliveriesToAnUnusableURLAreDeadLettered() async throws {
        var configuration = WebhookSender.Configuration()
        configuration.concurrentMax = 2
        configuration.attemptsMax = 2
        configuration.backoffBase = .milliseconds(1)
        let (settled, settling) = AsyncStream.makeStream(of: String.self)
        let sender = WebhookSender(configuration: configuration) { settling.yield($0.eventID) }
        let running = Task { try await sender.run() }
        let count = 500
        for number in 0..<count {
            sender.send(
                WebhookSender.Delivery(
                    eventID: "evt_\(number)", eventType: "payment_intent.succeeded", endpointID: "we_1",
                    url: "http://", secret: "whsec_test", body: Array("{}".utf8)))
        }
        var settledIDs: Set<String> = []
        for await eventID in settled {
            settledIDs.insert(eventID)
            if settledIDs.count == count { break }
        }
        let statistics = sender.statistics
        #expect(statistics.deadLettered == count)
        #expect(statistics.failedAttempts == 2 * count)
        #expect(statistics.delivered == 0)
        running.cancel()
        _ = await running.result
    }
}
