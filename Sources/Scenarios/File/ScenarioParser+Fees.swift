import Core
import Services

extension ScenarioParser {
    /// The largest fixed or dispute fee a file may give, in minor units: far above any real
    /// price, far below what could overflow a sum of fees over a long run.
    static let feeMinorUnitsMax: Int64 = 1_000_000_000

    /// `fees`: per settlement currency, `basis_points` (0 to 9,999), `fixed` and `dispute`
    /// (decimal amounts in that currency, like the amounts of `mix`). A currency left out, or
    /// a key left out of a currency, keeps Stripe's price (`FeeSchedule.stripe`).
    static func parseFees(_ reader: YAMLReader) throws(ScenarioError) -> FeeSchedule {
        var schedule = FeeSchedule.stripe
        for (code, entry) in try reader.freeMapping() {
            let currency = try currency(code, entry)
            let map = try entry.mapping(allowed: ["basis_points", "fixed", "dispute"])
            var prices = schedule.entry(currency)
            if let basisPoints = map.optional("basis_points") {
                prices.basisPoints = Int64(try basisPoints.int(in: 0...9_999))
            }
            if let fixed = map.optional("fixed") {
                prices.fixedMinorUnits = try feeAmount(fixed, currency)
            }
            if let dispute = map.optional("dispute") {
                prices.disputeMinorUnits = try feeAmount(dispute, currency)
            }
            schedule.entries[currency] = prices
        }
        return schedule
    }

    private static func feeAmount(_ reader: YAMLReader, _ currency: Currency) throws(ScenarioError) -> Int64 {
        let amount = try reader.money(currency)
        guard (0...feeMinorUnitsMax).contains(amount.minorUnits) else {
            throw reader.error(
                "a fee must be between 0 and \(Money(minorUnits: feeMinorUnitsMax, currency: currency))")
        }
        return amount.minorUnits
    }
}
