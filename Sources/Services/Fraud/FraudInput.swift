import Core

/// What the fraud engine is told about one payment attempt.
///
/// The engine defines its own input rather than taking Core's payment method types, so that the
/// orchestrator maps whatever it holds (a card, a wallet) to these few fields.
public struct FraudInput: Hashable, Sendable {
    /// Identifies the card across payments without its number (Stripe's card fingerprint).
    public let fingerprint: UInt64
    /// The amount asked for; positive.
    public let amount: Money
    /// Where the payment comes from (IP or billing country), ISO 3166-1 alpha-2, upper case.
    public let country: String
    /// The customer's device.
    public let deviceID: UInt64
    /// The simulator's ground truth: whether it generated this payment as fraud. Never read by
    /// scoring; only `FraudStatistics` and the 3-D Secure simulation look at it.
    public let isFraudulentTruth: Bool

    /// - Throws: `FraudError.invalidCountry` unless `country` is two ASCII letters (lower case is
    ///   accepted and upper-cased); `.nonPositiveAmount` for an amount ≤ 0.
    public init(
        fingerprint: UInt64, amount: Money, country: String, deviceID: UInt64, isFraudulentTruth: Bool = false
    ) throws(FraudError) {
        // Checked on the string's own scalars: an array of them was an allocation on every
        // payment (twice: the orchestrator validates the input before screening it).
        var scalarCount = 0
        for scalar in country.unicodeScalars {
            scalarCount += 1
            guard scalarCount <= 2, ("A"..."Z").contains(scalar) || ("a"..."z").contains(scalar) else {
                throw .invalidCountry(country)
            }
        }
        guard scalarCount == 2 else { throw .invalidCountry(country) }
        guard amount.minorUnits > 0 else { throw .nonPositiveAmount(amount.minorUnits) }
        self.fingerprint = fingerprint
        self.amount = amount
        self.country = country.uppercased()
        self.deviceID = deviceID
        self.isFraudulentTruth = isFraudulentTruth
    }
}
