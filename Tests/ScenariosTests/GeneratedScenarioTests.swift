import Core
import Testing

@testable import Scenarios

/// `paystorm swarm --generate`: every seed draws a valid scenario, written to a file that reads
/// back to the same scenario, and the draws cover what the generator promises.
@Suite struct GeneratedScenarioTests {
    @Test func everyGeneratedScenarioIsValidAndItsFileReadsBackEqual() throws {
        for seed: UInt64 in 1...300 {
            let scenario = ScenarioGenerator.scenario(seed: seed)
            #expect(ScenarioGenerator.scenario(seed: seed) == scenario, "seed \(seed) draws twice alike")
            let text = ScenarioWriter.yaml(scenario)
            let parsed = try ScenarioParser.parse(text, file: "generated-\(seed).yaml")
            #expect(parsed == scenario, "seed \(seed):\n\(text)")
            #expect(ScenarioLimits.problem(with: scenario) == nil, "seed \(seed)")
            #expect(scenario.seed == seed)
        }
    }

    @Test func theDrawsCoverCurrenciesAmountsLoadsAndFaults() {
        var exponents: Set<Int> = []
        var smallest = false
        var largest = false
        var shortest = Duration.seconds(1_000)
        var longest = Duration.zero
        var kinds: Set<FaultSpec.Kind> = []
        var crashDuringOutage = false
        var outageAfterTimeouts = false
        for seed: UInt64 in 1...1_000 {
            let scenario = ScenarioGenerator.scenario(seed: seed)
            for (currency, _) in scenario.merchants.currencies { exponents.insert(currency.exponent) }
            for spec in scenario.mix.amounts {
                if spec.min.minorUnits <= 10 { smallest = true }
                if spec.max.minorUnits == ScenarioLimits.amountMinorUnitsMax { largest = true }
            }
            shortest = min(shortest, scenario.duration)
            longest = max(longest, scenario.duration)
            for fault in scenario.faults { kinds.insert(fault.kind) }
            for outage in scenario.faults where outage.kind == .networkOutage {
                let end = outage.start + (outage.duration ?? .zero)
                if scenario.faults.contains(where: {
                    $0.kind == .crash && $0.start >= outage.start && $0.start <= end
                }) {
                    crashDuringOutage = true
                }
                if scenario.faults.contains(where: { $0.kind == .networkTimeouts && $0.start <= outage.start }
                ) {
                    outageAfterTimeouts = true
                }
            }
        }
        #expect(exponents == [0, 2, 3])
        #expect(smallest && largest)
        #expect(shortest >= ScenarioGenerator.durationMin && shortest < .seconds(8))
        #expect(longest <= ScenarioGenerator.durationMax && longest > .seconds(200))
        #expect(kinds == Set(FaultSpec.Kind.allCases), "\(Set(FaultSpec.Kind.allCases).subtracting(kinds))")
        #expect(crashDuringOutage && outageAfterTimeouts)
    }
}
