import Core
import Foundation
import Services
import Synchronization
import Testing

@testable import Scenarios

/// `--balance-transactions`: a run's export alone recomputes what the run paid out.
@Suite struct BalanceTransactionExportTests {
    @Test func payoutsRecomputedFromARunsExportMatchItsReport() async throws {
        let scenario = try ScenarioParser.parse(ScenarioRunnerTests.text, file: "tiny.yaml")
        let lines = Mutex<[String]>([])
        let report = try await ScenarioRunner.run(
            scenario, mode: .simulated,
            balanceTransactions: { transactions in lines.withLock { $0 += transactions.map(\.jsonLine) } })
        #expect(report.invariantsHold, "\(report.invariants.filter { !$0.holds })")
        // Read back from the JSON lines alone, as an auditor would.
        struct Line: Decodable {
            var type: String
            var amount: Int64
            var fee: Int64
            var net: Int64
            var currency: String
        }
        let decoder = JSONDecoder()
        let exported = try lines.withLock { $0 }.map { try decoder.decode(Line.self, from: Data($0.utf8)) }
        #expect(exported.contains { $0.type == "charge" } && exported.contains { $0.type == "refund" })
        #expect(exported.allSatisfy { $0.net == $0.amount - $0.fee })
        var paidOut: [String: Int64] = [:]
        var payouts: [String: Int] = [:]
        for line in exported where line.type == "payout" {
            paidOut[line.currency.uppercased(), default: 0] -= line.amount
            payouts[line.currency.uppercased(), default: 0] += 1
        }
        #expect(!report.settlement.isEmpty)
        for row in report.settlement {
            let currency = try Currency(code: row.currency)
            let reported = try Money(parsing: row.amount, currency: currency).minorUnits
            #expect(paidOut[row.currency] == reported, "\(row.currency)")
            // Each currency's row counts its own payouts.
            #expect(row.payouts == payouts[row.currency], "\(row.currency)")
        }
    }
}
