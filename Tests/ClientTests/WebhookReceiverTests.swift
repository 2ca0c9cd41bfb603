import Foundation
import Scenarios
import Services
import Testing

@testable import Client

/// The receiver's check "every acknowledged change's events arrived", fed by hand in the orders
/// a real run produces: a webhook can beat the HTTP answer that acknowledges its change, and a
/// client that resends a request with the same idempotency key is told the same change again.
@Suite struct WebhookReceiverTests {
    static let secret = "whsec_receiver_test_secret"

    /// A receiver with one endpoint registered (no socket: `receive` is called directly).
    static func receiver() -> WebhookReceiver {
        let receiver = WebhookReceiver()
        receiver.register(token: "we_1", secret: secret)
        return receiver
    }

    /// Delivers a signed event naming `payment`.
    static func deliver(_ receiver: WebhookReceiver, event: String, payment: String) async -> Int {
        let body = Array(
            "{\"id\":\"\(event)\",\"type\":\"payment_intent.succeeded\",\"data\":{\"object\":{\"id\":\"\(payment)\"}}}"
                .utf8)
        let header = WebhookSigner.header(
            payload: body, secret: secret, timestamp: Int64(Date().timeIntervalSince1970))
        return Int(await receiver.receive(token: "we_1", body: body, signature: header).code)
    }

    static func missing(_ receiver: WebhookReceiver) -> Int {
        receiver.verdict(audit: nil).checks.first {
            $0.invariant == .acknowledgedPaymentEventsDeliveredOrDeadLettered
        }?.violations ?? -1
    }

    @Test func aResentRequestAcknowledgesNoNewChange() async {
        let receiver = Self.receiver()
        // The create's events beat its answer; the client then resends the create with the same
        // key (a merchant's retry) and is answered the same payment, replayed.
        #expect(await Self.deliver(receiver, event: "evt_1", payment: "pi_00000000000001") == 200)
        #expect(await Self.deliver(receiver, event: "evt_2", payment: "pi_00000000000001") == 200)
        receiver.acknowledged("pi_00000000000001", idempotencyKey: "journey-1")
        receiver.acknowledged("pi_00000000000001", idempotencyKey: "journey-1")
        #expect(Self.missing(receiver) == 0)
    }

    @Test func anAcknowledgedChangeWithoutAnEventIsMissing() async {
        let receiver = Self.receiver()
        receiver.acknowledged("pi_00000000000002", idempotencyKey: "journey-2")
        #expect(Self.missing(receiver) == 1)
        // Its event arrives: nothing is missing any more.
        #expect(await Self.deliver(receiver, event: "evt_3", payment: "pi_00000000000002") == 200)
        #expect(Self.missing(receiver) == 0)
        // A later change of the same payment (its capture, another key) waits for an event of
        // its own.
        receiver.acknowledged("pi_00000000000002", idempotencyKey: "journey-2-capture")
        #expect(Self.missing(receiver) == 1)
        #expect(await Self.deliver(receiver, event: "evt_4", payment: "pi_00000000000002") == 200)
        #expect(Self.missing(receiver) == 0)
    }

    @Test func aBadSignatureIsRefusedAndCounted() async {
        let receiver = Self.receiver()
        let body = Array("{\"id\":\"evt_9\",\"data\":{\"object\":{\"id\":\"pi_00000000000009\"}}}".utf8)
        let forged = WebhookSigner.header(
            payload: body, secret: "whsec_other", timestamp: Int64(Date().timeIntervalSince1970))
        #expect(await receiver.receive(token: "we_1", body: body, signature: forged) == .badRequest)
        let signatures = receiver.verdict(audit: nil).checks.first { $0.invariant == .webhookSignaturesValid }
        #expect(signatures?.violations == 1)
    }
}
