import Core
import Ledger
import PaystormRuntime
import Testing

@testable import Services

/// Lifecycle paths end to end: what the ledger holds and which events went out after each step.
@Suite struct PaymentLifecycleTests {
    static let merchant = PaymentSystemTests.merchant

    static func events(_ system: PaymentSystem) -> [String: Int64] { system.events.snapshot.byType }

    @Test func authorizeThenVoidReleasesTheHoldAndCaptureAfterItIsRefused() throws {
        let runtime = DeterministicRuntime(seed: 31)
        try runtime.run {
            let system = try PaymentSystemTests.makeSystem(runtime, webhooks: false)
            let key = try #require(try await system.onboard(Self.merchant, settlementCurrency: .usd))
            let id = try #require(
                await system.createPayment(
                    try PaymentSystemTests.request(4_000, capture: .manual), apiKey: key.secret
                )
                .paymentID)
            #expect(await system.ledger.balance(of: .customerFunds(.usd)).creditsPending == 4_000)
            #expect(Self.events(system)["payment_intent.amount_capturable_updated"] == 1)
            #expect(await system.cancel(id, merchant: Self.merchant, apiKey: key.secret).isSuccess)
            #expect(await system.ledger.balance(of: .customerFunds(.usd)).creditsPending == 0)
            #expect(Self.events(system)["payment_intent.canceled"] == 1)
            let late = await system.capture(id, merchant: Self.merchant, apiKey: key.secret)
            #expect(late.status == 400)
            #expect(await system.ledger.balance(of: .merchantBalance(Self.merchant, .usd)).balance == 0)
        }
    }

    @Test func aVoidAfterCaptureIsRefused() throws {
        let runtime = DeterministicRuntime(seed: 32)
        try runtime.run {
            let system = try PaymentSystemTests.makeSystem(runtime, webhooks: false)
            let key = try #require(try await system.onboard(Self.merchant, settlementCurrency: .usd))
            let id = try #require(
                await system.createPayment(
                    try PaymentSystemTests.request(4_000, capture: .automatic), apiKey: key.secret
                )
                .paymentID)
            #expect(Self.events(system)["charge.captured"] == 1)
            #expect(Self.events(system)["payment_intent.succeeded"] == 1)
            let void = await system.cancel(id, merchant: Self.merchant, apiKey: key.secret)
            #expect(void.status == 400)
            #expect(void.errorCode == "payment_intent_unexpected_state")
            // Captured 4,000 less 2.9% (116) and 30.
            #expect(
                await system.ledger.balance(of: .merchantBalance(Self.merchant, .usd)).balance == 4_000 - 146)
        }
    }

    @Test(arguments: [(Currency.jpy, Currency.usd, Int64(12_345)), (.kwd, .eur, 15_250)])
    func crossCurrencyPaymentsReconcileToTheMinorUnit(
        presentment: Currency, settlement: Currency, amount: Int64
    )
        throws
    {
        let runtime = DeterministicRuntime(seed: 33)
        try runtime.run {
            let system = try PaymentSystemTests.makeSystem(runtime, webhooks: false)
            let key = try #require(try await system.onboard(Self.merchant, settlementCurrency: settlement))
            let id = try #require(
                await system.createPayment(
                    try PaymentSystemTests.request(amount, presentment, capture: .automatic),
                    apiKey: key.secret
                ).paymentID)
            let record = try #require(await system.orchestrator.payment(id))
            let rate = try #require(record.lockedRate)
            let conversion = try rate.convert(Money(minorUnits: amount, currency: presentment))
            #expect(record.capturedSettled == conversion.converted.minorUnits)
            // The merchant gets the converted amount less the fee, to the minor unit.
            let merchant = await system.ledger.balance(of: .merchantBalance(Self.merchant, settlement))
                .balance
            #expect(merchant == conversion.converted.minorUnits - record.feeSettled)
            // The FX account took the whole amount in the presentment currency and paid out only
            // the converted amount: its position is the spread and the rounding remainder.
            #expect(await system.ledger.balance(of: .fx(presentment)).balance == amount)
            #expect(
                await system.ledger.balance(of: .fx(settlement)).balance == -conversion.converted.minorUnits)
            #expect(
                conversion.converted.minorUnits + conversion.remainder.minorUnits
                    == conversion.midMarketValue.minorUnits)
            #expect(conversion.remainder.minorUnits >= 0)
            #expect(await system.ledger.reconcile().isBalanced)
        }
    }

    @Test(arguments: 0..<200)
    func concurrentSubmissionsWithOneKeyChargeOnce(seed: Int) throws {
        let runtime = DeterministicRuntime(seed: UInt64(seed) + 1_000)
        try runtime.run {
            let system = try PaymentSystemTests.makeSystem(runtime, webhooks: false)
            let key = try #require(try await system.onboard(Self.merchant, settlementCurrency: .usd))
            let request = try PaymentSystemTests.request(1_000, capture: .automatic)
            let responses = await withTaskGroup(of: APIResponse.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        await system.createPayment(request, apiKey: key.secret, idempotencyKey: "k")
                    }
                }
                var all: [APIResponse] = []
                for await response in group { all.append(response) }
                return all
            }
            let succeeded = responses.filter { $0.status == 200 }
            #expect(succeeded.count >= 1)
            #expect(Set(succeeded.map(\.paymentID)).count == 1, "no one sees another payment")
            #expect(responses.allSatisfy { $0.status == 200 || $0.status == 409 })
            #expect(await system.merchants.account(Self.merchant)?.payments == 1)
            #expect(
                await system.ledger.balance(of: .merchantBalance(Self.merchant, .usd)).balance == 1_000 - 59)
        }
    }
}
