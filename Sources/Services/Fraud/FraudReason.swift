/// Why a payment scored as it did: what a reviewer reads next to the score.
public enum FraudReason: Hashable, Sendable, CustomStringConvertible {
    /// Attempts on this card in the past hour reached the hard limit: blocked whatever the score.
    case velocityLimitExceeded(attemptsLastHour: Int, limit: Int)
    /// Several attempts on this card in the past hour (below the limit).
    case highVelocity(attemptsLastHour: Int)
    /// The amount is far above the card's running average (ratio in percent).
    case amountSpike(ratioPercent: Int)
    /// The payment comes from another country than the card's usual one.
    case countryMismatch(usual: String, actual: String)
    /// A device never seen with this card.
    case unseenDevice
    /// No history for this card.
    case newCard
    /// An amount below one major unit: the shape of a card-testing probe.
    case smallAmount

    public var description: String {
        switch self {
        case .velocityLimitExceeded(let attempts, let limit): "velocity_limit(\(attempts)>=\(limit)/h)"
        case .highVelocity(let attempts): "high_velocity(\(attempts)/h)"
        case .amountSpike(let ratio): "amount_spike(\(ratio)%)"
        case .countryMismatch(let usual, let actual): "country_mismatch(\(usual)->\(actual))"
        case .unseenDevice: "unseen_device"
        case .newCard: "new_card"
        case .smallAmount: "small_amount"
        }
    }
}
