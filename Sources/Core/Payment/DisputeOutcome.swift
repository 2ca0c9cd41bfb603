/// How the card network decided a dispute.
public enum DisputeOutcome: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Decided for the merchant: withdrawn funds are reinstated.
    case won
    /// Decided for the cardholder: the merchant loses the disputed amount (and Stripe's fee).
    case lost

    public var description: String { rawValue }
}
