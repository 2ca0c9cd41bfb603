import Core
import Testing

@testable import Scenarios

@Suite struct ScenarioParserTests {
    static let minimal = """
        name: tiny
        seed: 7
        load:
          stages:
            - ramp_to: 100
              over: 10s
            - hold: 20s
            - spike_to: 500
              for: 5s
        thresholds:
          authorize_p99_ms: "< 2000"
          decline_rate: "<= 0.08"
        """

    @Test func parsesAMinimalScenarioWithDefaults() throws {
        let scenario = try ScenarioParser.parse(Self.minimal, file: "tiny.yaml")
        #expect(scenario.name == "tiny")
        #expect(scenario.seed == 7)
        #expect(scenario.duration == .seconds(35))
        #expect(scenario.load.peakTPS == 500)
        #expect(scenario.thresholds.count == 2)
        #expect(
            scenario.thresholds.contains(
                Threshold(metric: .authorizeP99Milliseconds, comparison: .less, bound: 2000)))
        #expect(
            scenario.thresholds.contains(
                Threshold(metric: .declineRate, comparison: .lessOrEqual, bound: 0.08)))
        #expect(scenario.networks.map(\.name) == [.visa, .mastercard, .amex])
    }

    /// Each malformed file, and the exact location and message the engineer must see.
    @Test(arguments: [
        (
            "name: x\nload:\n  stages:\n    - ramp_to: 10\n      ovr: 5s\n",
            "f.yaml:5:7: load.stages[0].ovr: unknown key 'ovr' (did you mean 'over'?); allowed here: for, hold, over, ramp_to, spike_to"
        ),
        (
            "name: x\nload:\n  stages:\n    - hold: ten minutes\n",
            "f.yaml:4:13: load.stages[0].hold: expected a duration like '500ms', '30s', '10m', '1h30m' or '2d', got 'ten minutes'"
        ),
        (
            "name: x\nmerchants:\n  count: 600000\nload:\n  stages:\n    - hold: 1s\n",
            "f.yaml:3:10: merchants.count: 600000 is out of range 1...500000"
        ),
        (
            "name: x\nload:\n  stages:\n    - hold: 1s\nthresholds:\n  authorize_p99: \"< 5\"\n",
            "f.yaml:6:18: thresholds.authorize_p99: unknown metric 'authorize_p99' (did you mean 'authorize_p99_ms'?); a threshold must name one of: \(Metric.allCases.map(\.rawValue).joined(separator: ", "))"
        ),
        (
            "name: x\nload:\n  stages:\n    - hold: 1s\nthresholds:\n  decline_rate: \"about 5%\"\n",
            "f.yaml:6:17: thresholds.decline_rate: expected a condition like \"< 2000\" or \">= 0.9\", got 'about 5%'"
        ),
        ("load:\n  stages:\n    - hold: 1s\n", "f.yaml:1:1: missing required key 'name'"),
        ("name: x\nload:\n  stages: []\n", "f.yaml:3:11: load.stages: at least one stage is needed"),
        (
            "name: x\nseed: -3\nload:\n  stages:\n    - hold: 1s\n",
            "f.yaml:2:7: seed: expected a non-negative whole number, got '-3'"
        ),
        (
            "name: x\nmerchants:\n  currencies:\n    USD: 0.5\n    XYZ: 0.5\nload:\n  stages:\n    - hold: 1s\n",
            "f.yaml:5:10: merchants.currencies.XYZ: unknown currency 'XYZ' (known: USD, EUR, GBP, CAD, AUD, CHF, SEK, JPY, KRW, KWD, BHD, JOD, OMR, TND)"
        ),
        (
            "name: x\nmix:\n  amounts:\n    JPY:\n      median: \"12.5\"\nload:\n  stages:\n    - hold: 1s\n",
            "f.yaml:5:15: mix.amounts.JPY.median: amount '12.5' has more decimals than JPY allows (0)"
        ),
        (
            "name: x\nmix:\n  capture:\n    immediate: 0.5\n    delayed: 0.2\nload:\n  stages:\n    - hold: 1s\n",
            "f.yaml:4:5: mix.capture: immediate + delayed + never + cancel must add up to 1 (they add up to 0.7)"
        ),
        (
            "name: x\nnetworks:\n  discover:\n    share: 1\nload:\n  stages:\n    - hold: 1s\n",
            "f.yaml:4:5: networks.discover: unknown card network 'discover' (visa, mastercard, amex)"
        ),
        ("name: [unclosed\n", "f.yaml:2:1: not valid YAML: did not find expected ',' or ']'"),
        (
            "name: x\nmerchants:\n  onboarding: upfront\nload:\n  stages:\n    - hold: 1s\n",
            "f.yaml:3:15: merchants.onboarding: unknown onboarding 'upfront'; one of: before_load, on_first_payment"
        ),
    ])
    func malformedFilesNameFileLineAndKey(text: String, expected: String) {
        #expect(throws: ScenarioError.self) { try ScenarioParser.parse(text, file: "f.yaml") }
        do {
            _ = try ScenarioParser.parse(text, file: "f.yaml")
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test func onboardingDefaultsToTheFirstPaymentAndCanComeBeforeTheLoad() throws {
        #expect(
            try ScenarioParser.parse(Self.minimal, file: "tiny.yaml").merchants.onboarding == .onFirstPayment)
        let text = Self.minimal.replacingOccurrences(
            of: "seed: 7\n", with: "seed: 7\nmerchants:\n  count: 30\n  onboarding: before_load\n")
        let scenario = try ScenarioParser.parse(text, file: "tiny.yaml")
        #expect(scenario.merchants.onboarding == .beforeLoad)
        #expect(scenario.merchants.count == 30)
    }

    /// An amount's default bounds are half a unit and 10,000 units of its currency, in minor
    /// units: at least one minor unit for a zero-decimal currency, where half a yen is 0.
    @Test func amountBoundsDefaultPerCurrencyExponent() throws {
        let text =
            Self.minimal
            + "\nmix:\n  amounts:\n    JPY: {median: \"6500\"}\n    USD: {median: \"58.00\"}\n"
            + "    KWD: {median: \"17.500\"}\n"
        let amounts = try ScenarioParser.parse(text, file: "f.yaml").mix.amounts
        let bounds = Dictionary(
            uniqueKeysWithValues: amounts.map { ($0.currency.code, [$0.min.minorUnits, $0.max.minorUnits]) })
        #expect(bounds["JPY"] == [1, 10_000])
        #expect(bounds["USD"] == [50, 1_000_000])
        #expect(bounds["KWD"] == [500, 10_000_000])
    }

    @Test func durationStretchKeepsTheShapeAndThePeak() throws {
        let scenario = try ScenarioParser.parse(Self.minimal, file: "tiny.yaml").withDuration(.seconds(7))
        #expect(scenario.duration == .seconds(7))
        #expect(scenario.load.peakTPS == 500)
        #expect(scenario.load.rate(atNanoseconds: 1_000_000_000) == 50)  // halfway up the ramp
    }

    @Test func scaleMultipliesRates() throws {
        let scenario = try ScenarioParser.parse(Self.minimal, file: "tiny.yaml").scaled(by: 2)
        #expect(scenario.load.peakTPS == 1000)
        #expect(scenario.duration == .seconds(35))
    }

    @Test(arguments: [
        ("500ms", Int64(500_000_000)), ("30s", 30_000_000_000), ("1h30m", 5_400_000_000_000),
        ("2d", 172_800_000_000_000),
    ])
    func durationsParse(text: String, nanoseconds: Int64) {
        #expect(DurationText.parse(text) == .nanoseconds(nanoseconds))
        #expect(
            DurationText.parse(DurationText.format(.nanoseconds(nanoseconds))) == .nanoseconds(nanoseconds))
    }

    @Test(arguments: ["", "10", "10x", "-5s", "s", "0s", "99999999999999999999s"])
    func badDurationsAreRejected(text: String) {
        #expect(DurationText.parse(text) == nil)
    }
}
