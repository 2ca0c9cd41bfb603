/// Which network a payment goes through: a card scheme, or the bank-transfer rail. It is also the
/// counterparty of the network accounts, and a scenario names the card networks with the raw
/// values.
public enum PaymentNetwork: String, Hashable, Sendable, CaseIterable, Codable, CustomStringConvertible {
    case visa
    case mastercard
    case amex
    /// Bank debits (ACH-like): no issuer decision at authorization; settles in days and may be
    /// returned.
    case bankRail = "bank_rail"

    /// The card schemes, in the order scenarios and fault plans walk them (their random draws
    /// depend on it).
    public static let cards: [PaymentNetwork] = [.visa, .mastercard, .amex]

    public var isCard: Bool { self != .bankRail }

    public var description: String { rawValue }

    /// The byte that names the network inside an `AccountID`. Account ids are journaled and
    /// snapshotted, so these values never change.
    public var accountCode: UInt8 {
        switch self {
        case .visa: 1
        case .mastercard: 2
        case .amex: 3
        case .bankRail: 4
        }
    }

    public init?(accountCode: UInt8) {
        switch accountCode {
        case 1: self = .visa
        case 2: self = .mastercard
        case 3: self = .amex
        case 4: self = .bankRail
        default: return nil
        }
    }
}
