import Core

/// Why a rate could not be made or an amount could not be converted.
public enum CurrencyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A rate must be positive and at most `ExchangeRate.nanosMax`.
    case invalidRate(nanos: Int64)
    /// The amount is not in the currency the rate converts from.
    case currencyMismatch(amount: Currency, rateFrom: Currency)
    /// The converted amount does not fit in Int64 minor units.
    case overflow(String)
    /// A configuration value is out of range.
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .invalidRate(let nanos):
            "invalid exchange rate \(nanos) nanos: must be in 1...\(ExchangeRate.nanosMax)"
        case .currencyMismatch(let amount, let from):
            "cannot convert an amount in \(amount.code) with a rate from \(from.code)"
        case .overflow(let operation):
            "conversion overflow in \(operation)"
        case .invalidConfiguration(let reason):
            "invalid currency service configuration: \(reason)"
        }
    }
}
