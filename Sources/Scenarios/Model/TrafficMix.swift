import Core

/// What the generated payments look like.
public struct TrafficMix: Sendable, Equatable {
    /// Share of card payments; the rest are bank transfers.
    public var cardShare: Double
    /// Amount distribution per charge currency; the charge currency is drawn by these weights.
    public var amounts: [AmountSpec]
    public var capture: CaptureMix
    public var refunds: RefundMix
    /// Share of captured payments that the network later disputes.
    public var disputeRate: Double
    /// Share of requests the client sends again with the same idempotency key.
    public var clientRetryRate: Double
    public var fraud: FraudMix
}

/// A log-normal amount distribution in one currency, clamped to [min, max]. Drawn amounts are
/// rounded to the currency's minor unit once (and to a multiple of 10 for three-decimal
/// currencies, as Stripe requires).
public struct AmountSpec: Sendable, Equatable {
    public var currency: Currency
    public var weight: Double
    public var median: Money
    public var sigma: Double
    public var min: Money
    public var max: Money
}

public struct CaptureMix: Sendable, Equatable {
    public var immediate: Double
    public var delayed: Double
    /// Authorized and never captured: the authorization expires (`authorization_validity`).
    public var never: Double
    /// Of delayed captures, the share captured for less than authorized (partial capture).
    public var partial: Double
    /// Authorized, then canceled by the merchant before any capture (a void: the hold is
    /// released). `immediate + delayed + never + cancel` is 1.
    public var cancel: Double = 0
}

public struct RefundMix: Sendable, Equatable {
    public var full: Double
    public var partial: Double
}

public struct FraudMix: Sendable, Equatable {
    /// Share of payments made by fraudsters.
    public var share: Double
    /// Card testing: bursts of small payments on one card.
    public var cardTesting: Double
    /// Stolen cards used far from home on new devices.
    public var stolenCard: Double
}
