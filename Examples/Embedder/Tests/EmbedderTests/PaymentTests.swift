import Core
import PaystormRuntime
import PaystormTesting
import Services
import Testing

/// A merchant's payment through the facade, as an application embedding Paystorm takes one:
/// onboard, authorize, capture, refund, and read it all back.
@Suite struct PaymentTests {
    @Test func aMerchantTakesAPaymentThroughCaptureAndRefund() async throws {
        let system = try PaymentSystem(
            runtime: ConcurrentRuntime(seed: 1),
            configuration: .quiet(networkLatency: .milliseconds(1), webhooks: false))
        let merchant = MerchantID(1)
        let key = try #require(try await system.onboard(merchant, settlementCurrency: .usd))
        let card = try Card.tokenize(
            pan: "4242424242424242", expiryMonth: 12, expiryYear: 2030, funding: .credit,
            token: "tok_embedder")
        let amount = Money(minorUnits: 5_000, currency: .usd)
        let request = PaymentRequest(
            merchant: merchant, amount: amount, method: .card(card), captureMethod: .manual, deviceID: 1)

        let created = await system.createPayment(request, apiKey: key.secret, idempotencyKey: "order-1")
        #expect(created.status == 200, "\(created.body)")
        let id = try #require(created.paymentID)
        #expect(await system.payment(id, of: merchant)?.payment.state.stripeStatus == "requires_capture")

        let captured = await system.capture(
            id, amount: amount, merchant: merchant, apiKey: key.secret, idempotencyKey: "order-1-capture")
        #expect(captured.status == 200, "\(captured.body)")
        #expect(await system.payment(id, of: merchant)?.payment.state.stripeStatus == "succeeded")

        let part = Money(minorUnits: 2_000, currency: .usd)
        let refunded = await system.refund(
            id, amount: part, merchant: merchant, apiKey: key.secret, idempotencyKey: "order-1-refund")
        #expect(refunded.status == 200, "\(refunded.body)")
        #expect(system.refunded(id, merchant: merchant) == part)

        // Another merchant's key neither reads nor refunds it.
        let other = try #require(try await system.onboard(MerchantID(2), settlementCurrency: .usd))
        let foreign = await system.refund(
            id, amount: part, merchant: MerchantID(2), apiKey: other.secret, idempotencyKey: "foreign")
        #expect(!foreign.isSuccess)
        #expect(system.refunded(id, merchant: merchant) == part)
        #expect(await system.payment(id, of: MerchantID(2)) == nil)
    }
}
