import Foundation
import Testing

@testable import Scenarios

@Suite struct ReadTrafficParserTests {
    static let load = """
        name: reads
        load:
          start_tps: 100
          stages:
            - hold: 10s
        """

    @Test func readsTakeASharePerPaymentOrARateAtTheAverage() throws {
        let scenario = try ScenarioParser.parse(
            Self.load + """

                reads:
                  status_checks: {share: 3}
                  list_queries: {per_second: 50, pages: 3, page_size: 20}
                """, file: "reads.yaml")
        #expect(scenario.reads.rates[.statusChecks] == .share(3))
        #expect(scenario.reads.rates[.listQueries] == .perSecond(50))
        #expect(scenario.reads.rates[.balance] == nil)
        #expect(scenario.reads.listPagesMax == 3 && scenario.reads.listPageSize == 20)
        // 50 a second at an average of 100 payments a second: half a read per payment.
        #expect(scenario.reads.factor(.listQueries, averagePaymentTPS: 100) == 0.5)
        #expect(scenario.reads.factor(.statusChecks, averagePaymentTPS: 100) == 3)
    }

    @Test func aReadKindWithBothRatesOrNeitherNamesItsLine() throws {
        for entry in ["{share: 1, per_second: 5}", "{}"] {
            #expect(throws: ScenarioError.self) {
                try ScenarioParser.parse(Self.load + "\nreads:\n  balance: \(entry)\n", file: "r.yaml")
            }
            do {
                _ = try ScenarioParser.parse(Self.load + "\nreads:\n  balance: \(entry)\n", file: "r.yaml")
            } catch {
                #expect(error.description.hasPrefix("r.yaml:7:"), "\(error.description)")
                #expect(error.description.contains("reads.balance"), "\(error.description)")
            }
        }
    }

    @Test func listQueriesMayAskForAStatusOfStripes() throws {
        let scenario = try ScenarioParser.parse(
            Self.load + "\nreads:\n  list_queries: {per_second: 5, status: requires_capture}\n",
            file: "r.yaml")
        #expect(scenario.reads.listStatus == "requires_capture")
        #expect(try ScenarioParser.parse(Self.load, file: "r.yaml").reads.listStatus == nil)
        do {
            _ = try ScenarioParser.parse(
                Self.load + "\nreads:\n  list_queries: {per_second: 5, status: paid}\n", file: "r.yaml")
            Issue.record("a status Stripe does not have was taken")
        } catch {
            #expect(error.description.hasPrefix("r.yaml:7:"), "\(error.description)")
            #expect(error.description.contains("reads.list_queries.status"), "\(error.description)")
            #expect(error.description.contains("succeeded"), "\(error.description)")
        }
    }

    @Test func shippedBlackFridayCarriesTheSeedsReads() throws {
        let scenario = try ScenarioParser.load(
            path: ShippedScenariosTests.directory.appendingPathComponent("black-friday.yaml").path)
        let average = scenario.load.expectedArrivals / scenario.duration.seconds
        let total = ReadTraffic.Kind.allCases.map {
            scenario.reads.factor($0, averagePaymentTPS: average) * average
        }
        .reduce(0, +)
        #expect(abs(total - 3_000) < 1)
        // Its list queries filter by status (through the search API) and by date, in pages of
        // the dashboard's 25 rows.
        #expect(scenario.reads.listStatus == "succeeded")
        #expect(scenario.reads.listPageSize == 25)
    }
}
