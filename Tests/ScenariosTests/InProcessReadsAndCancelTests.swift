import Foundation
import Testing

@testable import Scenarios

/// An in-process run serves the scenario's `reads:` through the facade, and its mix can cancel
/// authorizations and let them expire (`cancel`, `authorization_validity`).
@Suite struct InProcessReadsAndCancelTests {
    static let text = """
        name: reads-and-cancel
        seed: 5
        merchants:
          count: 20
        authorization_validity: 20s
        load:
          start_tps: 40
          stages:
            - hold: 30s
        mix:
          capture: {immediate: 0.5, delayed: 0.2, never: 0.15, cancel: 0.15, partial: 0.2}
        reads:
          status_checks: {share: 1}
          list_queries: {share: 0.5, pages: 2, page_size: 5}
          balance: {share: 0.2}
          payouts: {share: 0.2}
        """

    @Test func readsAreServedInProcessAndAuthorizationsAreVoidedAndExpired() async throws {
        let scenario = try ScenarioParser.parse(Self.text, file: "r.yaml")
        let report = try await ScenarioRunner.run(scenario, mode: .simulated)
        #expect(report.invariantsHold, "\(report.invariants.filter { !$0.holds })")
        let reads = try #require(report.reads)
        #expect(reads.map(\.kind) == ["status_checks", "list_queries", "balance", "payouts"])
        for read in reads {
            // Every kind was sent and answered 2xx: none refused as not served in process.
            #expect(read.sent > 0 && read.succeeded == read.sent, "\(read)")
            #expect(read.notServed == 0 && read.failed == 0, "\(read)")
            #expect(read.latencyMilliseconds.p50 > 0, "\(read)")
        }
        #expect(report.payments.voided > 0)
        #expect(report.payments.expired > 0)
        // Every never-captured authorization expired within the run.
        #expect(report.payments.authorizedOnly == 0)
        // One seed, one digest, reads included.
        let again = try await ScenarioRunner.run(scenario, mode: .simulated)
        #expect(again.digest == report.digest)
        #expect(again.reads == report.reads)
    }

    @Test func captureSharesWithCancelMustAddUpToOneAndNameTheirLine() throws {
        let text = Self.text.replacingOccurrences(of: "cancel: 0.15", with: "cancel: 0.25")
        do {
            _ = try ScenarioParser.parse(text, file: "r.yaml")
            Issue.record("accepted capture shares adding up to 1.1")
        } catch {
            #expect(error.description.hasPrefix("r.yaml:11:"), "\(error.description)")
            #expect(error.description.contains("mix.capture"), "\(error.description)")
            #expect(error.description.contains("cancel"), "\(error.description)")
        }
    }

    @Test(arguments: ["0s", "32d", "soon"])
    func anAuthorizationValidityOutOfRangeNamesItsLine(value: String) throws {
        let text = Self.text.replacingOccurrences(
            of: "authorization_validity: 20s", with: "authorization_validity: \(value)")
        do {
            _ = try ScenarioParser.parse(text, file: "r.yaml")
            Issue.record("accepted authorization_validity: \(value)")
        } catch {
            #expect(error.description.hasPrefix("r.yaml:5:"), "\(error.description)")
            #expect(error.description.contains("authorization_validity"), "\(error.description)")
        }
    }

    @Test func aWrittenScenarioKeepsItsCancelShareAndValidity() throws {
        let scenario = try ScenarioParser.parse(Self.text, file: "r.yaml")
        let again = try ScenarioParser.parse(ScenarioWriter.yaml(scenario), file: "w.yaml")
        #expect(again.mix.capture == scenario.mix.capture)
        #expect(again.authorizationValidity == .seconds(20))
    }
}
