import Core

/// The bounds every value read from a scenario file, and every flag that reshapes a scenario,
/// must stay within. Checked at the edge, so that nothing past it can overflow an `Int64` of
/// minor units or nanoseconds: a value outside them is a `ScenarioError` (exit 2), never a trap.
public enum ScenarioLimits {
    /// Largest amount a scenario may charge, in minor units of any currency: Stripe's limit of
    /// eight digits (999,999.99 USD, 99,999,999 JPY, 99,999.999 KWD).
    public static let amountMinorUnitsMax: Int64 = 99_999_999
    /// Longest duration a file may write, and longest load profile (its stages together): a
    /// week of run time, as for a fault's window (`FaultSpec.timeMax`).
    public static let durationMax: Duration = .seconds(7 * 86_400)
    /// Highest arrival rate, in payments per second, after `--scale`.
    public static let tpsMax = 1_000_000.0
    /// Largest scenario file read: far beyond any real scenario (the shipped ones are under
    /// 4 KB), small enough that parsing a hostile one ends in milliseconds.
    public static let fileBytesMax = 1 << 20
    /// Deepest nesting of mappings and lists: a scenario nests four levels; Yams composes
    /// recursively, so a file nested thousands deep would exhaust a thread's stack.
    public static let nestingDepthMax = 64
    /// How many times over each payment's amount may pass through the ledger and the
    /// settlement totals (hold, capture, fee, refund, dispute, payout, with room to spare): a
    /// scenario's expected arrivals times its largest amount times this must fit in `Int64`.
    static let movementsPerPaymentMax: Int64 = 16

    /// What is wrong with a scenario's load as a whole, if anything: its length, its rate, or
    /// the money it could move. Checked by the parser and again after `--duration` and
    /// `--scale` reshape the scenario.
    public static func problem(with scenario: Scenario) -> String? {
        let length = scenario.load.duration
        if length > durationMax {
            return
                "the load lasts \(DurationText.format(length)); at most \(DurationText.format(durationMax))"
        }
        let peak = scenario.load.peakTPS
        guard peak.isFinite, peak <= tpsMax else {
            return "the load peaks at \(peak) TPS; at most \(Int(tpsMax))"
        }
        let largest = scenario.mix.amounts.map(\.max.minorUnits).max() ?? 0
        let arrivals = scenario.load.expectedArrivals.rounded(.up)
        guard arrivals.isFinite, arrivals < 1e15, let expected = Int64(exactly: arrivals) else {
            return "the load expects \(arrivals) arrivals; at most 10^15"
        }
        let (total, overflow1) = expected.multipliedReportingOverflow(by: max(1, largest))
        let (_, overflow2) = total.multipliedReportingOverflow(by: movementsPerPaymentMax)
        if overflow1 || overflow2 {
            return
                "the load expects \(expected) payments of up to \(largest) minor units: their total "
                + "could overflow 64-bit minor units; shorten the load or lower the amounts"
        }
        return nil
    }
}
