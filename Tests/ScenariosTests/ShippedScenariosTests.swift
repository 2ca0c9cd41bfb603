import Testing

@testable import Scenarios

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Every file under scenarios/ must parse: they are what a newcomer runs first.
@Suite struct ShippedScenariosTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scenarios")

    static var files: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted()
    }

    @Test func theRequiredScenariosShip() {
        for name in [
            "smoke.yaml", "steady-state.yaml", "black-friday.yaml", "multi-currency.yaml",
            "refund-and-dispute-storm.yaml", "fraud-ring.yaml",
        ] {
            #expect(Self.files.contains(name), "scenarios/\(name) is missing")
        }
    }

    @Test(arguments: files)
    func parses(name: String) throws {
        let scenario = try ScenarioParser.load(path: Self.directory.appendingPathComponent(name).path)
        #expect(scenario.name + ".yaml" == name)
        #expect(scenario.load.peakTPS > 0)
    }

    @Test func blackFridayHasTheSeedsScale() throws {
        let scenario = try ScenarioParser.load(
            path: Self.directory.appendingPathComponent("black-friday.yaml").path)
        #expect(scenario.merchants.count == 500_000)
        #expect(scenario.load.peakTPS == 2_000)
        let average = scenario.load.expectedArrivals / Double(scenario.duration.components.seconds)
        #expect(average > 580 && average < 660, "average \(average) TPS")
    }
}
