import Client
import Core
import Hummingbird
import Scenarios
import Testing

/// A request the target got no answer to is counted by why: a report's lost answers then say
/// whether the server was slow, unreachable or closed the connection under the request.
@Suite(.serialized) struct UnansweredReasonTests {
    @Test func aServerNobodyListensOnIsAFailedConnect() async throws {
        // A port that was just free: the server on it stopped.
        let server = try await LoopbackServer.start(Router(), label: "unanswered-connect-test")
        await server.stop()
        let target = HTTPPaymentTarget(baseURL: "http://127.0.0.1:\(server.port)", connectionsMax: 2)
        let answer = await target.retrievePayment(PaymentID(1), merchant: MerchantID(1), apiKey: "sk_test_x")
        try await target.shutdown()
        #expect(answer == nil)
        #expect(target.unansweredByReason == ["connect_failed": 1])
    }

    @Test func anAnswerPastTheDeadlineIsLate() async throws {
        let router = Router()
        router.get("/v1/balance") { _, _ -> String in
            try await Task.sleep(for: .seconds(3))
            return "{}"
        }
        let server = try await LoopbackServer.start(router, label: "unanswered-late-test")
        let target = HTTPPaymentTarget(
            baseURL: "http://127.0.0.1:\(server.port)", connectionsMax: 2, timeout: .milliseconds(300))
        let answer = await target.balance(apiKey: "sk_test_x")
        try await target.shutdown()
        await server.stop()
        #expect(answer == nil)
        #expect(target.unansweredByReason == ["late": 1])
    }

    @Test func aReadOnAConnectionTheServerClosedIsSentOnceMoreOnAnother() async throws {
        let server = try await IdleClosingServer.start()
        let target = HTTPPaymentTarget(baseURL: "http://127.0.0.1:\(server.port)", connectionsMax: 2)
        // The first read leaves its connection idle in the pool; the second is sent on it, and
        // the server closes it unanswered.
        let first = await target.balance(apiKey: "sk_test_x")
        let second = await target.balance(apiKey: "sk_test_x")
        try await target.shutdown()
        await server.stop()
        #expect(first?.status == 200)
        #expect(second?.status == 200)
        #expect(target.unansweredByReason == ["closed_kept_alive_resent": 1])
    }
}
