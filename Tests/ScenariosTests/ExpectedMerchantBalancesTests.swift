import Core
import Ledger
import Services
import Testing

@testable import Scenarios

/// Each merchant's balance is derived by the checker from the run's payments and payouts, not
/// kept by the processor: it holds on a healthy run where money moved, and it fails (a checker
/// that never fails proves nothing) when the ledger and the payments disagree.
@Suite struct ExpectedMerchantBalancesTests {
    static let merchant = MerchantID(7)

    static func ledger(_ balances: [(MerchantID, Currency, Int64)]) -> [AccountSnapshot] {
        balances.map { merchant, currency, balance in
            AccountSnapshot(
                account: .merchantBalance(merchant, currency), debitsPosted: max(0, -balance),
                creditsPosted: max(0, balance))
        }
    }

    @Test func theLedgerMustHoldWhatThePaymentsMovedLessThePayouts() {
        let expected = ExpectedMerchantBalances()
        expected.add(10_000, to: Self.merchant, in: .usd)
        expected.add(-1_500, to: Self.merchant, in: .usd)
        let paidOut = [Self.merchant: (Currency.usd, Int64(6_000))]
        #expect(
            expected.mismatches(ledger: Self.ledger([(Self.merchant, .usd, 2_500)]), paidOut: paidOut).isEmpty
        )
        // One minor unit off, in either direction, is named with both figures.
        #expect(
            expected.mismatches(ledger: Self.ledger([(Self.merchant, .usd, 2_501)]), paidOut: paidOut)
                == ["\(Self.merchant) USD: ledger 2501, expected 2500"])
        #expect(
            expected.mismatches(ledger: Self.ledger([(Self.merchant, .usd, 2_499)]), paidOut: paidOut).count
                == 1)
    }

    @Test func aBalanceInAnotherCurrencyOrMissingFromTheLedgerIsFound() {
        let expected = ExpectedMerchantBalances()
        expected.add(4_000, to: Self.merchant, in: .usd)
        // Credited in EUR, which no payment of the run explains.
        let stray = expected.mismatches(
            ledger: Self.ledger([(Self.merchant, .usd, 4_000), (Self.merchant, .eur, 100)]), paidOut: [:])
        #expect(stray == ["\(Self.merchant) EUR: ledger 100, expected 0"])
        // The payments moved money the ledger does not hold at all.
        let missing = expected.mismatches(ledger: [], paidOut: [:])
        #expect(missing == ["\(Self.merchant) USD: ledger 0, expected 4000"])
    }

    @Test func aSumBeyondInt64IsReportedNotWrapped() {
        let expected = ExpectedMerchantBalances()
        expected.add(.max, to: Self.merchant, in: .usd)
        expected.add(1, to: Self.merchant, in: .usd)
        let problems = expected.mismatches(ledger: Self.ledger([(Self.merchant, .usd, 0)]), paidOut: [:])
        #expect(problems == ["\(Self.merchant) USD: the expected balance does not fit in Int64"])
    }

    /// A healthy run moves money on every kind of path (captures, refunds, disputes, payouts)
    /// and the check holds; a capture booked twice, or a refund booked beyond what was
    /// refunded, breaks it while the ledger itself still balances.
    @Test(arguments: [PlantedBug.bookCaptureTwice, .refundBeyondCaptured])
    func aBookingThePaymentsDoNotExplainBreaksIt(bug: PlantedBug) async throws {
        let text = ScenarioRunnerTests.text.replacingOccurrences(
            of: "capture: {immediate: 0.7, delayed: 0.2, never: 0.1, partial: 0.3}",
            with: "capture: {immediate: 0.3, delayed: 0.7, never: 0, partial: 0.8}"
        ).replacingOccurrences(
            of: "refunds: {full: 0.1, partial: 0.1}", with: "refunds: {full: 0.5, partial: 0.1}")
        let scenario = try ScenarioParser.parse(text, file: "balances.yaml")
        let healthy = try await ScenarioRunner.run(scenario, mode: .simulated)
        let name = Invariant.merchantBalancesAsExpected.rawValue
        #expect(healthy.invariants.first { $0.name == name }?.holds == true)
        #expect(healthy.payments.succeeded > 50 && healthy.payments.refundedFull > 10)
        #expect(healthy.settlement.contains { $0.payouts > 0 }, "money reached the merchants")
        let broken = try await ScenarioRunner.run(scenario, mode: .simulated, plantedBug: bug)
        let result = try #require(broken.invariants.first { $0.name == name })
        #expect(!result.holds, "\(bug)")
        #expect(result.examples.first?.contains("expected") == true, "\(result.examples)")
    }
}
