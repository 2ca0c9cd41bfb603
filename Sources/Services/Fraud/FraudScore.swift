/// A fraud score from 0 (surely legitimate) to 100 (surely fraud).
public struct FraudScore: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let value: Int

    /// - Throws: `FraudError.invalidConfiguration` unless `value` is in 0...100.
    public init(_ value: Int) throws(FraudError) {
        guard (0...100).contains(value) else {
            throw .invalidConfiguration("score \(value) is not in 0...100")
        }
        self.value = value
    }

    /// Clamps `value` into 0...100.
    public init(clamping value: Int) { self.value = min(100, max(0, value)) }

    public static func < (lhs: FraudScore, rhs: FraudScore) -> Bool { lhs.value < rhs.value }

    public var description: String { "\(value)" }
}
