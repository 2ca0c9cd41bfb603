/// Where scores turn into decisions: below `reviewFrom` approve; from `reviewFrom` to below
/// `challengeFrom` review; from `challengeFrom` up to and including `blockAbove` require 3-D
/// Secure; above `blockAbove` block. The defaults are 30, 70 and 90.
public struct FraudThresholds: Hashable, Sendable {
    public let reviewFrom: Int
    public let challengeFrom: Int
    public let blockAbove: Int

    public static let standard = FraudThresholds(unchecked: 30, 70, 90)

    /// - Throws: `FraudError.invalidConfiguration` unless 0 ≤ reviewFrom ≤ challengeFrom ≤
    ///   blockAbove ≤ 100.
    public init(reviewFrom: Int, challengeFrom: Int, blockAbove: Int) throws(FraudError) {
        guard 0 <= reviewFrom, reviewFrom <= challengeFrom, challengeFrom <= blockAbove, blockAbove <= 100
        else { throw .invalidConfiguration("thresholds must satisfy 0 ≤ review ≤ challenge ≤ block ≤ 100") }
        self.init(unchecked: reviewFrom, challengeFrom, blockAbove)
    }

    private init(unchecked reviewFrom: Int, _ challengeFrom: Int, _ blockAbove: Int) {
        self.reviewFrom = reviewFrom
        self.challengeFrom = challengeFrom
        self.blockAbove = blockAbove
    }

    /// The decision for `score`.
    public func decision(for score: FraudScore) -> FraudDecision {
        switch score.value {
        case ..<reviewFrom: .approve
        case ..<challengeFrom: .review
        case ...blockAbove: .requireThreeDSecure
        default: .block
        }
    }
}
