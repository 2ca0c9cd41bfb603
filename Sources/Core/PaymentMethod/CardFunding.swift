/// How a card is funded, in Stripe's `card.funding` vocabulary.
///
/// Funding matters to the simulation because debit cards draw on the cardholder's own balance
/// (insufficient-funds declines are likelier) and interchange fees differ.
public enum CardFunding: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case credit
    case debit
    case prepaid

    public var description: String { rawValue }
}
