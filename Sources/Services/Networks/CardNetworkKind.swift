/// Which network a payment goes through: a card scheme, or the bank-transfer rail.
public enum CardNetworkKind: String, Hashable, Sendable, CaseIterable, Codable, CustomStringConvertible {
    case visa
    case mastercard
    case amex
    /// Bank debits (ACH-like): no issuer decision at authorization; settles in days and may be
    /// returned.
    case bankRail = "bank_rail"

    public var isCard: Bool { self != .bankRail }

    public var description: String { rawValue }
}
