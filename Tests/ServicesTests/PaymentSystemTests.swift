import Core
import Ledger
import PaystormRuntime
import PaystormTesting
import Testing

@testable import Services

/// The processor end to end, on the deterministic runtime.
@Suite struct PaymentSystemTests {
    static let merchant = MerchantID(7)

    /// A system whose networks approve everything, never time out, and answer in 100 ms.
    static func makeSystem(_ runtime: DeterministicRuntime, webhooks: Bool = true) throws -> PaymentSystem {
        try PaymentSystem(runtime: runtime, configuration: .quiet(webhooks: webhooks))
    }

    static func card(_ pan: String = "4242424242424242") throws -> PaymentMethod {
        .card(
            try Card.tokenize(
                pan: pan, expiryMonth: 12, expiryYear: 2030, funding: .credit, token: "tok_test"))
    }

    static func request(
        _ minorUnits: Int64, _ currency: Currency = .usd, capture: PaymentRequest.CaptureMethod
    )
        throws -> PaymentRequest
    {
        PaymentRequest(
            merchant: merchant, amount: Money(minorUnits: minorUnits, currency: currency), method: try card(),
            captureMethod: capture, customerCountry: "US", deviceID: 1)
    }

    /// A black-friday run onboarded 100,000 merchants and then refused every other one: the
    /// endpoint table was full, but the merchant had been created first, so it existed without a
    /// key and each later onboarding answered "exists". A refused onboarding leaves nothing.
    @Test func onboardingRefusedByAFullEndpointTableLeavesNoMerchantBehind() async throws {
        let runtime = DeterministicRuntime(seed: 3)
        try runtime.run {
            var configuration = PaymentSystemConfiguration()
            configuration.webhooks.endpointsMax = 2
            let system = try PaymentSystem(runtime: runtime, configuration: configuration)
            #expect(try await system.onboard(MerchantID(1), settlementCurrency: .usd) != nil)
            #expect(try await system.onboard(MerchantID(2), settlementCurrency: .usd) != nil)
            await #expect(throws: WebhookDispatchError.self) {
                try await system.onboard(MerchantID(3), settlementCurrency: .usd)
            }
            #expect(await system.merchants.account(MerchantID(3)) == nil)
            #expect(try await system.issueAPIKey(for: MerchantID(3)) == nil)
            // An existing merchant still onboards as "exists", and the table is unchanged.
            #expect(try await system.onboard(MerchantID(1), settlementCurrency: .usd) == nil)
        }
    }

    @Test func manualCapturePartialRefundsAndSettlementBalance() throws {
        let runtime = DeterministicRuntime(seed: 11)
        try runtime.run {
            let system = try Self.makeSystem(runtime)
            let key = try #require(try await system.onboard(Self.merchant, settlementCurrency: .usd))
            let created = await system.createPayment(
                try Self.request(10_000, capture: .manual), apiKey: key.secret)
            #expect(created.status == 200, "\(created.body)")
            let id = try #require(created.paymentID)
            #expect(await system.orchestrator.payment(id)?.payment.state == .authorized)

            // Capture 80.00 of 100.00: the rest of the hold is released.
            let captured = await system.capture(
                id, amountMinorUnits: 8_000, merchant: Self.merchant, apiKey: key.secret)
            #expect(captured.isSuccess, "\(captured.body)")
            // Two partial refunds, then one that would exceed the captured amount.
            #expect(
                await system.refund(id, amountMinorUnits: 3_000, merchant: Self.merchant, apiKey: key.secret)
                    .isSuccess)
            #expect(
                await system.refund(id, amountMinorUnits: 5_000, merchant: Self.merchant, apiKey: key.secret)
                    .isSuccess)
            let beyond = await system.refund(
                id, amountMinorUnits: 1, merchant: Self.merchant, apiKey: key.secret)
            #expect(beyond.status == 400)
            #expect(beyond.errorCode == "payment_intent_unexpected_state")
            #expect(await system.orchestrator.payment(id)?.payment.state == .refunded)

            // Captured 8,000, fee 2.9% + 30 = 262, refunded 8,000: the merchant owes the fee.
            let balance = await system.ledger.balance(of: .merchantBalance(Self.merchant, .usd)).balance
            #expect(balance == -262)
            let hold = await system.ledger.balance(of: .customerFunds(.usd))
            #expect(hold.creditsPending == 0, "the released part of the hold is not still pending")
            #expect(await system.ledger.reconcile().isBalanced)
            #expect(system.counters.ledgerRefusals == 0)
            await system.webhooks?.waitUntilIdle()
        }
    }

    @Test func anIdempotentRetryReturnsTheFirstResponseAndChargesOnce() throws {
        let runtime = DeterministicRuntime(seed: 12)
        try runtime.run {
            let system = try Self.makeSystem(runtime, webhooks: false)
            let key = try #require(try await system.onboard(Self.merchant, settlementCurrency: .usd))
            let request = try Self.request(2_500, capture: .automatic)
            // Two concurrent deliveries of one request, then a later retry.
            async let first = system.createPayment(request, apiKey: key.secret, idempotencyKey: "order-1")
            async let second = system.createPayment(request, apiKey: key.secret, idempotencyKey: "order-1")
            let (a, b) = await (first, second)
            let statuses = [a.status, b.status].sorted()
            #expect(statuses == [200, 409], "one runs, the other is told the key is in use")
            let retry = await system.createPayment(request, apiKey: key.secret, idempotencyKey: "order-1")
            #expect(retry.replayed)
            #expect(retry.body == (a.status == 200 ? a.body : b.body))
            // The same key with other parameters is an idempotency error.
            var other = request
            other.amount = Money(minorUnits: 2_600, currency: .usd)
            let mismatch = await system.createPayment(other, apiKey: key.secret, idempotencyKey: "order-1")
            #expect(mismatch.status == 400)
            #expect(await system.merchants.account(Self.merchant)?.payments == 1)
            let balance = await system.ledger.balance(of: .merchantBalance(Self.merchant, .usd)).balance
            // Fee: 2.9% of 2,500 is 72.5, rounded half-even to 72, plus 30.
            #expect(balance == 2_500 - 102)
        }
    }

    @Test func aWrongAPIKeyIsRefused() throws {
        let runtime = DeterministicRuntime(seed: 13)
        try runtime.run {
            let system = try Self.makeSystem(runtime, webhooks: false)
            _ = try await system.onboard(Self.merchant, settlementCurrency: .usd)
            let response = await system.createPayment(
                try Self.request(100, capture: .automatic), apiKey: "sk_test_nope")
            #expect(response.status == 401)
            #expect(await system.merchants.account(Self.merchant)?.payments == 0)
        }
    }

    @Test func disputesTakeAmountAndFeeAndGiveThemBackWhenWon() throws {
        let runtime = DeterministicRuntime(seed: 14)
        try runtime.run {
            let system = try Self.makeSystem(runtime, webhooks: false)
            let key = try #require(try await system.onboard(Self.merchant, settlementCurrency: .usd))
            var ids: [PaymentID] = []
            for _ in 0..<2 {
                let response = await system.createPayment(
                    try Self.request(10_000, capture: .automatic), apiKey: key.secret)
                ids.append(try #require(response.paymentID))
            }
            let before = await system.ledger.balance(of: .merchantBalance(Self.merchant, .usd)).balance
            try await system.orchestrator.openDispute(ids[0], amountMinorUnits: 10_000)
            try await system.orchestrator.openDispute(ids[1], amountMinorUnits: 10_000)
            let opened = await system.ledger.balance(of: .merchantBalance(Self.merchant, .usd)).balance
            #expect(opened == before - 2 * (10_000 + 1_500))
            // The merchant answers the first; the second goes unanswered and is lost.
            #expect(
                await system.submitDisputeEvidence(ids[0], merchant: Self.merchant, apiKey: key.secret)
                    .isSuccess)
            try await system.orchestrator.closeDispute(ids[0], won: true)
            try await system.orchestrator.closeDispute(ids[1], won: false)
            let closed = await system.ledger.balance(of: .merchantBalance(Self.merchant, .usd)).balance
            #expect(closed == before - 10_000 - 1_500)
            #expect(await system.orchestrator.payment(ids[0])?.payment.dispute?.status == .won)
            #expect(await system.ledger.reconcile().isBalanced)
        }
    }

    @Test func crossCurrencyCaptureLocksTheRateAndSettlementPaysOut() throws {
        let runtime = DeterministicRuntime(seed: 15)
        try runtime.run {
            let system = try Self.makeSystem(runtime, webhooks: false)
            let key = try #require(try await system.onboard(Self.merchant, settlementCurrency: .eur))
            let response = await system.createPayment(
                try Self.request(50_000, .usd, capture: .automatic), apiKey: key.secret)
            let id = try #require(response.paymentID)
            let record = try #require(await system.orchestrator.payment(id))
            let rate = try #require(record.lockedRate)
            #expect(rate.from == .usd && rate.to == .eur)
            #expect(record.capturedSettled > 0)
            let balance = await system.ledger.balance(of: .merchantBalance(Self.merchant, .eur)).balance
            #expect(balance == record.capturedSettled - record.feeSettled)
            let summary = await system.runDailySettlement()
            #expect(summary.paymentsSettled == 1)
            #expect(summary.payouts == 1)
            #expect(summary.paidOut["EUR"] == balance)
            #expect(await system.ledger.balance(of: .merchantBalance(Self.merchant, .eur)).balance == 0)
            #expect(await system.orchestrator.payment(id)?.payment.state == .settled)
            #expect(await system.ledger.reconcile().isBalanced)
        }
    }

    @Test func uncapturedAuthorizationsExpireAfterSevenDays() throws {
        let runtime = DeterministicRuntime(seed: 16)
        try runtime.run {
            let system = try Self.makeSystem(runtime, webhooks: false)
            let key = try #require(try await system.onboard(Self.merchant, settlementCurrency: .usd))
            let id = try #require(
                await system.createPayment(try Self.request(700, capture: .manual), apiKey: key.secret)
                    .paymentID)
            try await runtime.sleep(for: .seconds(6 * 86_400))
            #expect(await system.expireStaleAuthorizations() == 0)
            try await runtime.sleep(for: .seconds(86_400 + 1))
            #expect(await system.expireStaleAuthorizations() == 1)
            #expect(await system.orchestrator.payment(id)?.payment.state == .expired)
            #expect(await system.ledger.balance(of: .customerFunds(.usd)).creditsPending == 0)
            let late = await system.capture(id, merchant: Self.merchant, apiKey: key.secret)
            #expect(late.status == 400)
        }
    }
}
