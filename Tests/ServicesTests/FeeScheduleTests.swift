import Core
import Ledger
import PaystormRuntime
import Testing

@testable import Services

/// Fees per settlement currency: Stripe's published prices, integer arithmetic rounded once,
/// overflow a typed error.
@Suite struct FeeScheduleTests {
    @Test(arguments: [
        // 2.9% of 100.00 USD is 2.90, plus 0.30.
        (Currency.usd, Int64(10_000), Int64(320)),
        // 2.9% of 5.00 USD is 14.5 cents: half-even gives 14, plus 30.
        (.usd, 500, 44),
        // 1.5% of 1.00 EUR is 1.5 cents: half-even gives 2, plus 25.
        (.eur, 100, 27),
        (.eur, 10_000, 175),
        (.gbp, 10_000, 170),
        // Japan: 3.6% and no fixed part (the fixed 30 of every currency was 30 yen).
        (.jpy, 10_000, 360),
        // A capture worth nothing pays nothing.
        (.usd, 0, 0),
    ])
    func stripesPricesRoundedHalfEvenOnce(currency: Currency, settled: Int64, fee: Int64) throws {
        #expect(try FeeSchedule.stripe.processingFeeMinorUnits(onSettled: settled, in: currency) == fee)
    }

    @Test func disputeFeesAreInTheSettlementCurrency() {
        #expect(FeeSchedule.stripe.disputeFeeMinorUnits(in: .usd) == 1_500)
        #expect(FeeSchedule.stripe.disputeFeeMinorUnits(in: .eur) == 2_000)
        #expect(FeeSchedule.stripe.disputeFeeMinorUnits(in: .gbp) == 2_000)
        #expect(FeeSchedule.stripe.disputeFeeMinorUnits(in: .jpy) == 1_500)
        // Was 1,500 minor units everywhere: about one dollar in KRW, 4.9 dollars in KWD.
        #expect(FeeSchedule.stripe.disputeFeeMinorUnits(in: .krw) == 20_000)
        #expect(FeeSchedule.stripe.disputeFeeMinorUnits(in: .kwd) == 4_610)
        for currency in Currency.all {
            #expect(FeeSchedule.stripe.entries[currency] != nil, "\(currency) has no price")
        }
    }

    @Test func anOverflowingFeeIsATypedError() throws {
        var schedule = FeeSchedule.stripe
        schedule.entries[.usd] = FeeSchedule.Entry(
            basisPoints: 290, fixedMinorUnits: .max - 10, disputeMinorUnits: 0)
        #expect(throws: FeeScheduleError.self) {
            try schedule.processingFeeMinorUnits(onSettled: 10_000, in: .usd)
        }
        // The percentage of the largest amount fits (it is computed in 128 bits).
        #expect(try FeeSchedule.stripe.processingFeeMinorUnits(onSettled: .max, in: .usd) > 0)
    }

    @Test func aScheduleOutOfRangeIsRefusedByTheConfiguration() {
        var configuration = PaymentSystemConfiguration()
        configuration.fees.entries[.eur] = FeeSchedule.Entry(
            basisPoints: 10_000, fixedMinorUnits: 0, disputeMinorUnits: 0)
        #expect(throws: PaymentServiceError.self) { try configuration.validate() }
    }

    /// A JPY merchant paid 30 yen of fixed fee and a KRW merchant a 1,500 won dispute fee: the
    /// capture and the chargeback now take the settlement currency's own prices.
    @Test func captureAndChargebackTakeTheSettlementCurrencysPrices() throws {
        let runtime = DeterministicRuntime(seed: 9)
        try runtime.run {
            let system = try PaymentSystemTests.makeSystem(runtime)
            let merchant = PaymentSystemTests.merchant
            let key = try #require(try await system.onboard(merchant, settlementCurrency: .jpy))
            let created = await system.createPayment(
                try PaymentSystemTests.request(10_000, .jpy, capture: .automatic), apiKey: key.secret)
            let id = try #require(created.paymentID)
            #expect(await system.orchestrator.payment(id)?.feeSettled == 360)
            try await system.orchestrator.openDispute(id, amountMinorUnits: 10_000)
            #expect(await system.orchestrator.payment(id)?.disputeFeeSettled == 1_500)
            let balance = await system.ledger.balance(of: .merchantBalance(merchant, .jpy)).balance
            #expect(balance == 10_000 - 360 - 10_000 - 1_500)
        }
    }
}
