/// Why a bank account could not be tokenized.
public enum BankAccountError: Error, Hashable, Sendable, CustomStringConvertible {
    case invalidCountry(String)
    /// Carries only the length: the account number itself must not reach logs.
    case invalidAccountNumber(length: Int)
    case invalidRoutingNumber(String)
    case emptyToken
    case tokenContainsAccountNumber

    public var description: String {
        switch self {
        case .invalidCountry(let country):
            "invalid bank country '\(country)': expected a two-letter ISO 3166 code"
        case .invalidAccountNumber(let length):
            "invalid bank account number (\(length) characters): expected 4 to 34 letters or digits"
        case .invalidRoutingNumber(let routing):
            "invalid routing number '\(routing)': expected up to 11 letters or digits (9 digits in the US)"
        case .emptyToken:
            "invalid bank account token: it is empty"
        case .tokenContainsAccountNumber:
            "invalid bank account token: it contains the account number"
        }
    }
}
