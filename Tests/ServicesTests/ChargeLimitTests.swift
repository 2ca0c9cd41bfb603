import Core
import Ledger
import PaystormRuntime
import Testing

@testable import Services

/// Stripe's minimum and maximum charge amounts: refused with `amount_too_small` and
/// `amount_too_large` before anything is booked, and no path books a zero-amount transfer.
@Suite struct ChargeLimitTests {
    static let merchant = PaymentSystemTests.merchant

    @Test func stripesPublishedMinimumsAndTheEightDigitMaximum() {
        #expect(ChargeLimits.minimumMinorUnits(.usd) == 50)
        #expect(ChargeLimits.minimumMinorUnits(.eur) == 50)
        #expect(ChargeLimits.minimumMinorUnits(.gbp) == 30)
        #expect(ChargeLimits.minimumMinorUnits(.jpy) == 50)
        #expect(ChargeLimits.minimumMinorUnits(.sek) == 300)
        for currency in Currency.all {
            #expect(ChargeLimits.minimumMinorUnits(currency) > 0)
            #expect(ChargeLimits.maximumMinorUnits(currency) == 99_999_999)
            #expect(ChargeLimits.minimum(currency).isStripeCompatible, "\(currency)")
        }
    }

    /// A charge of SEK 0.01 to a KWD merchant converted to 0 and the ledger refused the zero
    /// transfer, leaving the payment unresolved; a charge under its own currency's minimum, one
    /// whose settlement value is under the settlement currency's, and one over the maximum are
    /// now refused before any work: no payment, no event, nothing in the ledger.
    @Test(arguments: [
        (Int64(1), Currency.sek, Currency.kwd, "amount_too_small"),
        (Int64(49), .usd, .usd, "amount_too_small"),
        (Int64(29), .gbp, .gbp, "amount_too_small"),
        (Int64(49), .jpy, .jpy, "amount_too_small"),
        // 0.30 GBP meets GBP's minimum but is worth about 0.117 KWD, under KWD's 0.160.
        (Int64(30), .gbp, .kwd, "amount_too_small"),
        (Int64(100_000_000), .usd, .usd, "amount_too_large"),
    ])
    func refusedBeforeAnythingIsBooked(
        minorUnits: Int64, currency: Currency, settlement: Currency, code: String
    ) throws {
        let runtime = DeterministicRuntime(seed: 5)
        try runtime.run {
            let system = try PaymentSystemTests.makeSystem(runtime)
            let key = try #require(try await system.onboard(Self.merchant, settlementCurrency: settlement))
            let response = await system.createPayment(
                try PaymentSystemTests.request(minorUnits, currency, capture: .automatic), apiKey: key.secret,
                idempotencyKey: "tiny")
            #expect(response.status == 400, "\(response.body)")
            #expect(response.errorCode == code, "\(response.body)")
            #expect(response.paymentID == nil)
            #expect(await system.orchestrator.heldPayments() == 0)
            #expect(
                await system.ledger.allBalances().allSatisfy { $0.debitsPosted == 0 && $0.debitsPending == 0 }
            )
            #expect(system.counters.ledgerRefusals == 0)
        }
    }

    @Test func theMinimumItselfIsCharged() throws {
        let runtime = DeterministicRuntime(seed: 5)
        try runtime.run {
            let system = try PaymentSystemTests.makeSystem(runtime)
            let key = try #require(try await system.onboard(Self.merchant, settlementCurrency: .usd))
            let response = await system.createPayment(
                try PaymentSystemTests.request(50, .usd, capture: .automatic), apiKey: key.secret)
            #expect(response.isSuccess, "\(response.body)")
        }
    }

    /// A refund of one minor unit of SEK to a KWD merchant is worth no fils: the customer gets it
    /// back, the FX account keeps the rounding, and the ledger is asked for no zero transfer.
    @Test func aRefundWorthNothingInTheSettlementCurrencyBooksNoZeroTransfer() throws {
        let runtime = DeterministicRuntime(seed: 5)
        try runtime.run {
            let system = try PaymentSystemTests.makeSystem(runtime)
            let key = try #require(try await system.onboard(Self.merchant, settlementCurrency: .kwd))
            let created = await system.createPayment(
                try PaymentSystemTests.request(10_000, .sek, capture: .automatic), apiKey: key.secret)
            let id = try #require(created.paymentID)
            #expect(created.isSuccess, "\(created.body)")
            let refunded = await system.refund(
                id, amountMinorUnits: 1, merchant: Self.merchant, apiKey: key.secret)
            #expect(refunded.isSuccess, "\(refunded.body)")
            #expect(system.counters.ledgerRefusals == 0)
            #expect(await system.ledger.reconcile().isBalanced)
        }
    }

    @Test func bookkeepingDropsZeroTransfersAndZeroLegs() {
        let parties = PaymentBookkeeping.Parties(
            merchant: Self.merchant, network: .visa, presentment: .sek, settlement: .kwd)
        let refund = PaymentBookkeeping.toNetwork(
            (TransferID(1), TransferID(2)), parties, amount: 1, settled: 0,
            code: PaymentBookkeeping.Code.refund)
        #expect(refund.count == 1)
        #expect(refund.allSatisfy { $0.legs.allSatisfy { $0.amount > 0 } })
        let capture = PaymentBookkeeping.capture(
            (TransferID(3), TransferID(4)), parties, captured: 1, settled: 0, fee: 0)
        #expect(capture.count == 1)
        #expect(capture.allSatisfy { $0.legs.allSatisfy { $0.amount > 0 } })
    }
}
