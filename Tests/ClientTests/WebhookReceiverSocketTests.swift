import Foundation
import NIOCore
import NIOHTTP1
import Scenarios
import Services
import Synchronization
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

    static func event(_ number: Int) -> String {
        "{\"id\":\"evt_\(number)\",\"type\":\"payment_intent.succeeded\",\"data\":{\"object\":{\"id\":\"pi_\(number)\"}}}"
    }

    static func request(_ path: String, body: String, secret: String) -> WireRequest {
        let bytes = Array(body.utf8)
        var headers: HTTPHeaders = ["Host": "127.0.0.1"]
        let header = WebhookSigner.header(
            payload: bytes, secret: secret, timestamp: Int64(Date().timeIntervalSince1970))
        headers.add(name: "Stripe-Signature", value: header)
        return WireRequest(.POST, path, headers: headers, body: bytes)
    }

    /// Sends `requests` pipelined on one connection; the statuses in the order answered.
    static func pipeline(_ requests: [WireRequest], on connection: WireConnection) async -> [Int?] {
        let statuses = Mutex<[Int?]>([])
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            connection.send(requests, deadline: .now() + .seconds(300)) { index, answer in
                let count = statuses.withLock { statuses in
                    #expect(index == statuses.count)
                    statuses.append(answer?.status)
                    return statuses.count
                }
                if count == requests.count { done.resume() }
            }
        }
        return statuses.withLock { $0 }
    }

    @Test func pipelinedDeliveriesAreEachAnsweredTheirOwnStatusInOrder() async throws {
        let receiver = try await WebhookReceiver.start()
        let url = try #require(URL(string: receiver.url(token: "m1-1")))
        let pool = WireConnectionPool()
        let address = WireAddress(host: "127.0.0.1", port: try #require(url.port))
        receiver.register(token: "m1-1", secret: Self.secret)
        let connection = try #require(await pool.acquire(address))
        let statuses = await Self.pipeline(
            [
                Self.request(url.path, body: Self.event(3), secret: Self.secret),
                Self.request(url.path, body: Self.event(4), secret: "whsec_wrong"),
                Self.request("/elsewhere", body: Self.event(5), secret: Self.secret),
                Self.request(url.path, body: Self.event(6), secret: Self.secret),
            ], on: connection)
        #expect(statuses == [200, 400, 404, 200])
        // A slow endpoint answers the first late and the one behind it after it, both flushed.
        receiver.setMode(.slow(200))
        let sent = ContinuousClock.now
        let slow = await Self.pipeline(
            [
                Self.request(url.path, body: Self.event(7), secret: Self.secret),
                Self.request(url.path, body: Self.event(8), secret: Self.secret),
            ], on: connection)
        #expect(slow == [200, 200])
        #expect(sent.duration(to: .now) >= .milliseconds(400))
        pool.release(connection)
        await pool.shutdown()
        await receiver.stop()
        #expect(receiver.verdict(audit: nil).figures.delivered == 4)
    }
}
