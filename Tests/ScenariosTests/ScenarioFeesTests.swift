import Core
import Services
import Testing

@testable import Scenarios

/// The `fees:` section: per settlement currency, overriding Stripe's prices key by key.
@Suite struct ScenarioFeesTests {
    @Test func feesOverrideStripesPricesKeyByKey() throws {
        let text = """
            name: fees
            load: {stages: [{hold: 1s}]}
            fees:
              EUR: {basis_points: 140, fixed: "0.25", dispute: "15.00"}
              JPY: {fixed: "10"}
            """
        let scenario = try ScenarioParser.parse(text, file: "fees.yaml")
        #expect(scenario.fees.entry(.eur).basisPoints == 140)
        #expect(scenario.fees.entry(.eur).fixedMinorUnits == 25)
        #expect(scenario.fees.entry(.eur).disputeMinorUnits == 1_500)
        #expect(scenario.fees.entry(.jpy).basisPoints == 360)
        #expect(scenario.fees.entry(.jpy).fixedMinorUnits == 10)
        #expect(scenario.fees.entry(.usd) == FeeSchedule.stripe.entry(.usd))
        let none = try ScenarioParser.parse("name: x\nload: {stages: [{hold: 1s}]}\n", file: "x.yaml")
        #expect(none.fees == .stripe)
    }

    @Test(arguments: [
        ("fees:\n  USD: {basis_points: 10000}\n", 4, "fees.USD.basis_points"),
        ("fees:\n  USD: {fixed: \"-0.30\"}\n", 4, "fees.USD.fixed"),
        ("fees:\n  USD: {fixed: \"0.305\"}\n", 4, "fees.USD.fixed"),
        ("fees:\n  XYZ: {fixed: \"1\"}\n", 4, "fees.XYZ"),
        ("fees:\n  USD: {percent: 2}\n", 4, "fees.USD"),
    ])
    func aBadFeeNamesItsLineAndKey(tail: String, line: Int, key: String) {
        let text = "name: x\nload: {stages: [{hold: 1s}]}\n" + tail
        do {
            _ = try ScenarioParser.parse(text, file: "f.yaml")
            Issue.record("accepted \(tail)")
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(error.key.hasPrefix(key), "\(error)")
        }
    }
}
