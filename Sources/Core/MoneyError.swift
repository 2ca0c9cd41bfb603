/// Why an amount could not be made, parsed or computed.
public enum MoneyError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownCurrency(String)
    case malformedAmount(String, reason: String)
    case tooManyDecimals(String, currency: Currency)
    case overflow(operation: String)
    case currencyMismatch(Currency, Currency)
    case invalidAllocation(reason: String)
    case divisionByZero

    public var description: String {
        switch self {
        case .unknownCurrency(let code):
            "unknown currency '\(code)' (known: \(Currency.all.map(\.code).joined(separator: ", ")))"
        case .malformedAmount(let text, let reason):
            "malformed amount '\(text)': \(reason)"
        case .tooManyDecimals(let text, let currency):
            "amount '\(text)' has more decimals than \(currency.code) allows (\(currency.exponent))"
        case .overflow(let operation):
            "amount overflow in \(operation): the result does not fit in 64-bit minor units"
        case .currencyMismatch(let a, let b):
            "currency mismatch: \(a.code) and \(b.code)"
        case .invalidAllocation(let reason):
            "invalid allocation: \(reason)"
        case .divisionByZero:
            "division by zero"
        }
    }
}
