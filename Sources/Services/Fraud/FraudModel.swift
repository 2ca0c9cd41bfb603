/// A small logistic-regression model with shipped weights: p = σ(bias + Σ wᵢ·xᵢ), score = 100·p.
///
/// The weights are hand-set, not trained here; they encode the ordering a risk analyst would
/// give (a new country is worse than a new device, each extra attempt in the hour adds risk) and
/// were checked against the reference points below. Every weight is non-negative, so the score
/// is monotone in every feature.
///
/// | features                                            | logit | score | decision  |
/// |-----------------------------------------------------|-------|-------|-----------|
/// | known card, usual country, device and amount        | -3.2  | 4     | approve   |
/// | new card                                            | -2.3  | 9     | approve   |
/// | known card, new country and new device              | 0.3   | 57    | review    |
/// | ... and 5× the usual amount                         | 1.6   | 83    | 3-D Secure|
/// | ... and 20× the usual amount                        | 2.7   | 94    | block     |
/// | 8th small attempt within the hour on a new card      | 2.35  | 91    | block     |
///
/// The velocity limit in `FraudRules` blocks the 10th attempt in an hour whatever the score.
public struct FraudModel: Hashable, Sendable {
    public var bias: Double
    /// Per earlier attempt in the hour (feature capped at `velocityFeatureMax`).
    public var velocityWeight: Double
    public var amountLogRatioWeight: Double
    public var countryMismatchWeight: Double
    public var unseenDeviceWeight: Double
    public var newCardWeight: Double
    public var smallAmountWeight: Double

    /// The velocity feature saturates here, so one card cannot push the logit without bound.
    public static let velocityFeatureMax = 20

    public init(
        bias: Double, velocityWeight: Double, amountLogRatioWeight: Double, countryMismatchWeight: Double,
        unseenDeviceWeight: Double, newCardWeight: Double, smallAmountWeight: Double
    ) {
        self.bias = bias
        self.velocityWeight = velocityWeight
        self.amountLogRatioWeight = amountLogRatioWeight
        self.countryMismatchWeight = countryMismatchWeight
        self.unseenDeviceWeight = unseenDeviceWeight
        self.newCardWeight = newCardWeight
        self.smallAmountWeight = smallAmountWeight
    }

    /// The weights Paystorm ships (see the table above).
    public static let shipped = FraudModel(
        bias: -3.2, velocityWeight: 0.55, amountLogRatioWeight: 0.8, countryMismatchWeight: 2.3,
        unseenDeviceWeight: 1.2, newCardWeight: 0.9, smallAmountWeight: 0.8)

    /// bias + Σ wᵢ·xᵢ.
    public func logit(_ features: FraudFeatures) -> Double {
        let velocity = Double(min(max(features.velocityLastHour, 0), Self.velocityFeatureMax))
        var sum = bias + velocityWeight * velocity
        sum += amountLogRatioWeight * min(max(features.amountLogRatio, -3), 5)
        if features.countryMismatch { sum += countryMismatchWeight }
        if features.unseenDevice { sum += unseenDeviceWeight }
        if features.newCard { sum += newCardWeight }
        if features.smallAmount { sum += smallAmountWeight }
        return sum
    }

    /// The model's probability that the payment is fraud.
    public func probability(_ features: FraudFeatures) -> Double {
        RiskMath.sigmoid(logit(features))
    }

    /// The probability as a 0...100 score, rounded to the nearest integer.
    public func score(_ features: FraudFeatures) -> FraudScore {
        FraudScore(clamping: Int((probability(features) * 100).rounded()))
    }
}
