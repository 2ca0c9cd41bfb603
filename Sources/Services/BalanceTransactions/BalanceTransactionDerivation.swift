import Core
import Ledger
import PaystormRuntime

/// Turns the ledger transfers of one booking into the balance transactions they are for the
/// merchant: a pure function of the transfers (and the time), so that the live system and a
/// journal scan derive the same ones.
///
/// Each transaction's figures are read from the merchant's own legs (what its balance moved)
/// and the fee legs: `net` is exactly the merchant balance's movement, so that the nets of an
/// export add up to the ledger's balance of every merchant. A movement that leaves the
/// merchant's balance unchanged (a capture whose fee equals its value) has no transaction.
public enum BalanceTransactionDerivation {
    /// A charge's funds are available for payout this long after the capture (Stripe's
    /// standard two-day schedule in the US).
    public static let chargeAvailabilityDelaySeconds: Int64 = 2 * 86_400

    public static func derive(
        _ transfers: [Transfer], payment: PaymentID, at time: SimTime, clock: UnixClock = .standard
    ) -> [BalanceTransaction] {
        let created = clock.seconds(at: time)
        var movements = BalanceMovements()
        var result: [BalanceTransaction] = []
        for transfer in transfers {
            // A payout is a transaction of its own; the rest are grouped by what they are for.
            if let payout = movements.add(transfer, created: created) { result.append(payout) }
        }
        result += movements.transactions(payment: payment, transfers: transfers, created: created)
        return result
    }

    /// Settlement units per presentment unit, to six decimals, half-even, from the two booked
    /// amounts in minor units (integer arithmetic: `settled × 10^p × 10^6 / (captured × 10^s)`).
    static func exchangeRate(
        settled: Int64, in settlement: Currency, captured: Int64, in presentment: Currency
    )
        -> String
    {
        let numerator =
            Int128(settled) * FixedPoint.powerOfTen(presentment.exponent) * 1_000_000
        let denominator = Int128(captured) * FixedPoint.powerOfTen(settlement.exponent)
        let micros = FixedPoint.divide(numerator, by: denominator, rounding: .halfEven)
        let whole = micros / 1_000_000
        let fraction = String(micros % 1_000_000)
        return "\(whole)." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }
}
