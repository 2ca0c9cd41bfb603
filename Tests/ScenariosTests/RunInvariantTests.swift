import Foundation
import Services
import Testing

@testable import Scenarios

/// The run's invariants added for settlement files and events: present in every report, holding
/// on a healthy run heavy with disputes, and failing when a planted bug breaks what they guard
/// (a checker that never fails proves nothing).
extension RunReport {
    fileprivate func result(_ invariant: Invariant) -> InvariantResult? {
        invariants.first { $0.name == invariant.rawValue }
    }
}

@Suite struct RunInvariantTests {
    static let text = ScenarioRunnerTests.text.replacingOccurrences(
        of: "disputes: 0.05", with: "disputes: 0.3")

    static func run(_ bug: PlantedBug? = nil) async throws -> RunReport {
        let scenario = try ScenarioParser.parse(Self.text, file: "disputes.yaml")
        return try await ScenarioRunner.run(scenario, mode: .simulated, plantedBug: bug)
    }

    @Test func aHealthyRunWithManyDisputesHoldsBoth() async throws {
        let report = try await Self.run()
        #expect(report.invariantsHold, "\(report.invariants.filter { !$0.holds })")
        #expect(report.payments.disputed > 10)
        for invariant in [
            Invariant.settlementReconcilesWithNetworkFiles, .oneEventPerStateChange, .disputeLifecycle,
        ] {
            #expect(report.result(invariant)?.holds == true, "\(invariant)")
        }
    }

    /// A refund that books more than the network refunds (the authorized amount's remainder of a
    /// partially captured payment) moves the ledger away from the network's file.
    @Test func aRefundBeyondTheNetworksBreaksTheSettlementFiles() async throws {
        let text = Self.text.replacingOccurrences(
            of: "capture: {immediate: 0.7, delayed: 0.2, never: 0.1, partial: 0.3}",
            with: "capture: {immediate: 0.2, delayed: 0.8, never: 0, partial: 0.8}"
        ).replacingOccurrences(
            of: "refunds: {full: 0.1, partial: 0.1}", with: "refunds: {full: 0.5, partial: 0.1}")
        let scenario = try ScenarioParser.parse(text, file: "refunds.yaml")
        let healthy = try await ScenarioRunner.run(scenario, mode: .simulated)
        #expect(healthy.result(.settlementReconcilesWithNetworkFiles)?.holds == true)
        let report = try await ScenarioRunner.run(
            scenario, mode: .simulated, plantedBug: .refundBeyondCaptured)
        let result = try #require(report.result(.settlementReconcilesWithNetworkFiles))
        #expect(!result.holds)
        #expect(result.examples.first?.contains("refunded") == true, "\(result.examples)")
    }

    /// A dropped or doubled webhook event is a state change without exactly one event.
    @Test(arguments: [PlantedBug.dropEvent, .emitEventTwice])
    func aDroppedOrDoubledEventIsFound(_ bug: PlantedBug) async throws {
        let report = try await Self.run(bug)
        let result = try #require(report.result(.oneEventPerStateChange))
        #expect(!result.holds)
        #expect(result.violations > 0)
        #expect(result.examples.first?.contains("transitions named") == true, "\(result.examples)")
        // Nothing else is broken by it: the money is right.
        #expect(report.result(.ledgerBalances)?.holds == true)
    }
}
