import Foundation
import NIOCore
import NIOHTTP1
import Scenarios
import Services
import Testing
import WireHTTP

@testable import Client

/// The receiver over its socket, as the server's sender reaches it: a signed delivery is
/// accepted once, a bad path or signature refused, and its faults answer as they say (a slow
/// endpoint late, a dead one at once).
@Suite struct WebhookReceiverSocketTests {
    static let secret = "whsec_socket_test_secret"

    static func post(
        _ path: String, body: String, secret: String?, to receiver: (WireConnectionPool, WireAddress)
    ) async throws -> Int? {
        let (pool, address) = receiver
        let bytes = Array(body.utf8)
        var headers: HTTPHeaders = ["Host": "127.0.0.1"]
        if let secret {
            let header = WebhookSigner.header(
                payload: bytes, secret: secret, timestamp: Int64(Date().timeIntervalSince1970))
            headers.add(name: "Stripe-Signature", value: header)
        }
        let connection = try #require(await pool.acquire(address))
        let request = WireRequest(.POST, path, headers: headers, body: bytes)
        let answer = await connection.send(request, deadline: .now() + .seconds(10))
        pool.release(connection)
        return answer?.status
    }

    @Test func deliveriesOverTheSocketAreCheckedAndFaultsPlayed() async throws {
        let receiver = try await WebhookReceiver.start()
        let url = try #require(URL(string: receiver.url(token: "m1-1")))
        let pool = WireConnectionPool()
        let to = (pool, WireAddress(host: "127.0.0.1", port: try #require(url.port)))
        receiver.register(token: "m1-1", secret: Self.secret)
        let event =
            "{\"id\":\"evt_1\",\"type\":\"payment_intent.succeeded\",\"data\":{\"object\":{\"id\":\"pi_1\"}}}"
        #expect(try await Self.post(url.path, body: event, secret: Self.secret, to: to) == 200)
        // Again: a duplicate, answered 200 and counted once.
        #expect(try await Self.post(url.path, body: event, secret: Self.secret, to: to) == 200)
        #expect(try await Self.post(url.path, body: event, secret: "whsec_wrong", to: to) == 400)
        #expect(try await Self.post("/elsewhere", body: event, secret: Self.secret, to: to) == 404)
        receiver.setMode(.slow(300))
        let sent = ContinuousClock.now
        let slow =
            "{\"id\":\"evt_2\",\"type\":\"payment_intent.succeeded\",\"data\":{\"object\":{\"id\":\"pi_2\"}}}"
        #expect(try await Self.post(url.path, body: slow, secret: Self.secret, to: to) == 200)
        #expect(sent.duration(to: .now) >= .milliseconds(300))
        receiver.setMode(.down)
        #expect(try await Self.post(url.path, body: slow, secret: Self.secret, to: to) == 503)
        await pool.shutdown()
        await receiver.stop()
        let verdict = receiver.verdict(audit: nil)
        #expect(verdict.figures.delivered == 2)
        #expect(verdict.figures.duplicatesIgnored == 1)
        #expect(verdict.figures.retried == 1)
        #expect(verdict.checks.first { $0.invariant == .webhookSignaturesValid }?.violations == 1)
    }
}
