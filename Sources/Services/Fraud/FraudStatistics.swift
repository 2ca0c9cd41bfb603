/// How the fraud engine did against the simulator's ground truth.
///
/// A "positive" is an intervention (3-D Secure or block). Precision is the share of
/// interventions that hit fraud; recall the share of fraud that met an intervention.
public struct FraudStatistics: Hashable, Sendable {
    public private(set) var truePositives: Int64 = 0
    public private(set) var falsePositives: Int64 = 0
    public private(set) var trueNegatives: Int64 = 0
    public private(set) var falseNegatives: Int64 = 0
    /// Decisions taken, indexed by `FraudDecision.rawValue`.
    public private(set) var decisions: [Int64] = Array(repeating: 0, count: FraudDecision.allCases.count)
    /// 3-D Secure outcomes, indexed by `ThreeDSecureOutcome.rawValue`, for legitimate payments.
    public private(set) var challengesLegitimate: [Int64] = Array(
        repeating: 0, count: ThreeDSecureOutcome.allCases.count)
    /// 3-D Secure outcomes, indexed by `ThreeDSecureOutcome.rawValue`, for fraudulent payments.
    public private(set) var challengesFraudulent: [Int64] = Array(
        repeating: 0, count: ThreeDSecureOutcome.allCases.count)

    public init() {}

    /// Counts one decision against the truth.
    public mutating func record(_ decision: FraudDecision, isFraudulent: Bool) {
        decisions[decision.rawValue] += 1
        switch (decision.isIntervention, isFraudulent) {
        case (true, true): truePositives += 1
        case (true, false): falsePositives += 1
        case (false, false): trueNegatives += 1
        case (false, true): falseNegatives += 1
        }
    }

    /// Counts one 3-D Secure outcome against the truth.
    public mutating func record(_ outcome: ThreeDSecureOutcome, isFraudulent: Bool) {
        if isFraudulent {
            challengesFraudulent[outcome.rawValue] += 1
        } else {
            challengesLegitimate[outcome.rawValue] += 1
        }
    }

    /// Decisions counted.
    public var total: Int64 { truePositives + falsePositives + trueNegatives + falseNegatives }

    /// Decisions of one kind.
    public func count(_ decision: FraudDecision) -> Int64 { decisions[decision.rawValue] }

    /// TP / (TP + FP), or nil with no intervention yet.
    public var precision: Double? {
        let flagged = truePositives + falsePositives
        return flagged == 0 ? nil : Double(truePositives) / Double(flagged)
    }

    /// TP / (TP + FN), or nil with no fraud seen yet.
    public var recall: Double? {
        let fraud = truePositives + falseNegatives
        return fraud == 0 ? nil : Double(truePositives) / Double(fraud)
    }

    /// The sum of two shards' statistics.
    public func merged(with other: FraudStatistics) -> FraudStatistics {
        var sum = self
        sum.truePositives += other.truePositives
        sum.falsePositives += other.falsePositives
        sum.trueNegatives += other.trueNegatives
        sum.falseNegatives += other.falseNegatives
        for index in sum.decisions.indices { sum.decisions[index] += other.decisions[index] }
        for index in sum.challengesLegitimate.indices {
            sum.challengesLegitimate[index] += other.challengesLegitimate[index]
            sum.challengesFraudulent[index] += other.challengesFraudulent[index]
        }
        return sum
    }
}
