/// The smallest and largest amount a charge may ask for, per currency, as Stripe publishes them
/// ("Minimum and maximum charge amounts"): a charge outside them is refused with
/// `amount_too_small` or `amount_too_large` before anything is booked.
///
/// Why a minimum at all: the processing fee has a fixed part, and a charge that converts to a
/// few minor units of the merchant's settlement currency (or to none) would book a transfer of
/// zero or pay out less than the fee. Stripe therefore also asks that the charge's value in the
/// settlement currency meet that currency's minimum; the orchestrator checks both.
public enum ChargeLimits {
    /// Stripe's published minimum, in minor units of `currency`. Stripe lists no minimum for
    /// KRW and the three-decimal currencies (they are not settlement currencies there); for
    /// those Paystorm takes about 0.50 USD at its default rates, and a three-decimal minimum is
    /// a multiple of 10 minor units, as Stripe accepts only those.
    public static func minimumMinorUnits(_ currency: Currency) -> Int64 {
        switch currency.code {
        case "USD", "EUR", "CAD", "AUD", "CHF": 50
        case "GBP": 30
        case "SEK": 300
        case "JPY": 50
        case "KRW": 700
        case "KWD": 160
        case "BHD": 190
        case "JOD": 360
        case "OMR": 190
        case "TND": 1_550
        default: 50
        }
    }

    /// Stripe's maximum: an amount of at most eight digits in minor units (999,999.99 USD,
    /// 99,999,999 JPY), for every currency Paystorm knows.
    public static func maximumMinorUnits(_ currency: Currency) -> Int64 {
        99_999_999
    }

    /// The minimum as money.
    public static func minimum(_ currency: Currency) -> Money {
        Money(minorUnits: minimumMinorUnits(currency), currency: currency)
    }

    /// The maximum as money.
    public static func maximum(_ currency: Currency) -> Money {
        Money(minorUnits: maximumMinorUnits(currency), currency: currency)
    }
}
