/// The features the fraud model reads, computed by `FraudRules` from the card's history.
///
/// Each is a signal the card networks' own rules use: card testing shows as many small attempts
/// in a short time; account takeover as a new country, a new device and an unusual amount.
public struct FraudFeatures: Hashable, Sendable {
    /// Earlier attempts on this card within the velocity window (one hour by default), not
    /// counting this one. Capped at `FraudRules.attemptsTrackedMax`.
    public var velocityLastHour: Int
    /// ln(amount / the card's running average amount), clamped to -3...5; 0 for a new card or
    /// an amount in another currency than the average's.
    public var amountLogRatio: Double
    /// The country differs from the card's usual one (known cards only).
    public var countryMismatch: Bool
    /// The device was never seen with this card (known cards only).
    public var unseenDevice: Bool
    /// No accepted payment on this card yet (or it was forgotten by the bounded table).
    public var newCard: Bool
    /// Less than one major unit: the typical card-testing probe.
    public var smallAmount: Bool

    public init(
        velocityLastHour: Int = 0, amountLogRatio: Double = 0, countryMismatch: Bool = false,
        unseenDevice: Bool = false, newCard: Bool = false, smallAmount: Bool = false
    ) {
        self.velocityLastHour = velocityLastHour
        self.amountLogRatio = amountLogRatio
        self.countryMismatch = countryMismatch
        self.unseenDevice = unseenDevice
        self.newCard = newCard
        self.smallAmount = smallAmount
    }
}
