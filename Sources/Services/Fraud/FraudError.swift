/// Why a fraud input or configuration was refused.
public enum FraudError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A country must be two ASCII letters (ISO 3166-1 alpha-2).
    case invalidCountry(String)
    /// Fraud scoring takes positive amounts only.
    case nonPositiveAmount(Int64)
    /// A configuration value is out of range.
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .invalidCountry(let text): "invalid country '\(text)': expected two letters (ISO 3166-1 alpha-2)"
        case .nonPositiveAmount(let units): "fraud scoring needs a positive amount, got \(units) minor units"
        case .invalidConfiguration(let reason): "invalid fraud configuration: \(reason)"
        }
    }
}
