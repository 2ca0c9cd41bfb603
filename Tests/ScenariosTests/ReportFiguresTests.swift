import Core
import Foundation
import PaystormRuntime
import Testing

@testable import Scenarios

/// The report's figures say what they claim: payouts per settlement currency, timeouts that
/// were resolved, trace lines with one value per key, and a digest of one width.
@Suite struct ReportFiguresTests {
    /// Each currency row counts its own payouts: together they are the run's payouts, and no
    /// row counts more payouts than there are merchants settling in that currency.
    @Test func payoutsAreCountedPerSettlementCurrency() async throws {
        let scenario = try SwarmTests.shipped("smoke.yaml").withDuration(.seconds(3))
        let report = try await ScenarioRunner.run(scenario, mode: .simulated)
        #expect(report.settlement.count == 4, "\(report.settlement)")
        let planner = JourneyPlanner(scenario: scenario)
        var merchantsPerCurrency: [String: Int] = [:]
        for index in 1...scenario.merchants.count {
            merchantsPerCurrency[
                planner.settlementCurrency(of: MerchantID(UInt64(index))).code, default: 0] += 1
        }
        for row in report.settlement {
            #expect(row.payouts > 0, "\(row)")
            #expect(row.payouts <= merchantsPerCurrency[row.currency] ?? 0, "\(row) \(merchantsPerCurrency)")
        }
        #expect(Set(report.settlement.map(\.payouts)).count > 1, "\(report.settlement)")
    }

    @Test func timeoutsResolvedCountsTheAuthorizationsWhoseAnswerWasLost() async throws {
        let scenario = try SwarmTests.shipped("chaos-network-timeouts.yaml")
        let report = try await ScenarioRunner.run(scenario, mode: .simulated)
        #expect(report.invariantsHold, "\(report.invariants.filter { !$0.holds })")
        #expect(report.payments.timeoutsResolved > 0)
        #expect(report.payments.timeoutsResolved < report.payments.attempted)
        let calm = try await ScenarioRunner.run(
            try SwarmTests.shipped("smoke.yaml").withDuration(.seconds(2)), mode: .simulated)
        #expect(calm.payments.timeoutsResolved == 0)
    }

    /// Standard JSON parsers keep one value of a repeated key: every key of a trace line must
    /// appear once.
    @Test func everyTraceLineHasEachKeyOnce() async throws {
        let scenario = try SwarmTests.shipped("chaos-everything.yaml")
        let (_, trace) = try await EventTraceTests.traced(scenario, seed: 3)
        var components: Set<String> = []
        for line in trace.lines {
            let keys = Self.topLevelKeys(line)
            #expect(Set(keys).count == keys.count, "\(line)")
            let object = try #require(
                JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object.count == keys.count, "\(line)")
            if let component = object["component"] as? String { components.insert(component) }
        }
        #expect(components.contains("orchestrator"))
    }

    /// The keys of one flat trace line, in order (the trace writes strings and integers only).
    static func topLevelKeys(_ line: String) -> [String] {
        var keys: [String] = []
        var inString = false
        var escaped = false
        var current = ""
        var expectingKey = true
        for character in line {
            if inString {
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    inString = false
                    if expectingKey { keys.append(current) }
                    continue
                }
                current.append(character)
                continue
            }
            switch character {
            case "\"":
                inString = true
                current = ""
            case ":": expectingKey = false
            case ",", "{": expectingKey = true
            default: break
            }
        }
        return keys
    }

    @Test func theDigestIsSixteenHexDigits() async throws {
        #expect(ReportBuilder.hex16(0x1) == "0000000000000001")
        #expect(ReportBuilder.hex16(0x0abc_def0_1234_5678) == "0abcdef012345678")
        #expect(ReportBuilder.hex16(UInt64.max) == "ffffffffffffffff")
        for seed: UInt64 in 1...3 {
            var scenario = try SwarmTests.shipped("smoke.yaml").withDuration(.seconds(1))
            scenario.seed = seed
            let digest = try await ScenarioRunner.run(scenario, mode: .simulated).digest
            #expect(digest.count == 16 && digest.allSatisfy(\.isHexDigit), "\(digest)")
        }
    }
}
