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

    /// Authorizations time out, are inquired and then reversed while the networks are down:
    /// the reversal failed and was dropped, and the issuer held the customer's money while the
    /// payment read canceled (`no_authorization_held_for_a_failed_payment`). Reversals, captures
    /// and refunds the networks did not confirm are now owed and retried until they are.
    static let heldAfterVoid = """
        name: held-after-void
        merchants: {count: 5}
        load: {start_tps: 2, stages: [{hold: 30s}]}
        mix: {payment_methods: {card: 1}, capture: {immediate: 1, delayed: 0, never: 0}, refunds: {full: 0, partial: 0}, disputes: 0, client_retries: 0, fraud: {share: 0}}
        faults:
          - {kind: network_timeouts, target: all, rate: 1.0}
          - {kind: network_outage, target: all, start: 12s, duration: 16s}
        """

    @Test func aReversalDuringAnOutageIsRetriedUntilTheNetworkConfirmsIt() async throws {
        let scenario = try ScenarioParser.parse(Self.heldAfterVoid, file: "held-after-void.yaml")
        let report = try await ScenarioRunner.run(scenario, mode: .simulated)
        #expect(report.invariantsHold, "\(report.invariants.filter { !$0.holds })")
        #expect(report.payments.attempted > 0)
    }

    /// A restarted life repairs interrupted payments while it serves; these seeds crash with
    /// payments no client heard of, and the run's checks came before their repair had ended.
    @Test(arguments: [321, 398] as [UInt64])
    func aRunChecksAfterTheRestartedLifesCrashRepair(seed: UInt64) async throws {
        var scenario = try ScenarioParser.load(
            path: ShippedScenariosTests.directory.appendingPathComponent("chaos-everything.yaml").path)
        scenario.seed = seed
        let report = try await ScenarioRunner.run(scenario, mode: .simulated)
        #expect(report.recovery?.crashes ?? 0 > 0, "seed \(seed) crashes")
        #expect(report.invariantsHold, "seed \(seed): \(report.invariants.filter { !$0.holds })")
    }
}
