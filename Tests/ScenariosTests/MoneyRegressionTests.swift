import Foundation
import Testing

@testable import Scenarios

/// Scenario files an outside audit of the money found failing, run as they were filed.
@Suite struct MoneyRegressionTests {
    /// A charge of SEK 0.01 to a KWD merchant converted to zero, the ledger refused the zero
    /// transfer and the payment was left unresolved (exit 1). Stripe refuses such a charge with
    /// `amount_too_small` before anything is booked: a counted outcome, not a violation.
    static let tinyCrossCurrency = """
        name: tiny-cross-currency
        merchants: {count: 1, currencies: {KWD: 1}}
        load: {start_tps: 1, stages: [{hold: 3s}]}
        mix:
          payment_methods: {card: 1}
          amounts: {SEK: {median: "0.01", min: "0.01", max: "0.01"}}
          capture: {immediate: 1, delayed: 0, never: 0}
          refunds: {full: 0, partial: 0}
          disputes: 0
          client_retries: 0
          fraud: {share: 0}
        """

    @Test func aChargeBelowTheMinimumIsRefusedAsACountedOutcome() async throws {
        let scenario = try ScenarioParser.parse(Self.tinyCrossCurrency, file: "tiny-cross-currency.yaml")
        let report = try await ScenarioRunner.run(scenario, mode: .simulated)
        #expect(report.invariantsHold, "\(report.invariants.filter { !$0.holds })")
        #expect(report.payments.attempted > 0)
        #expect(report.payments.amountRefused == report.payments.attempted)
        #expect(report.payments.errors == 0)
        #expect(report.payments.succeeded == 0)
    }
}
