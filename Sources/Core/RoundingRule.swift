/// How a division of minor units is rounded. Paystorm rounds each conversion once, by a
/// stated rule, and books the remainder (see `Money.scaled(by:over:rounding:)`).
public enum RoundingRule: String, Sendable, Codable, CaseIterable {
    /// Banker's rounding: halves go to the even neighbour. The default: unbiased over many sums.
    case halfEven = "half_even"
    /// Halves go away from zero.
    case halfUp = "half_up"
    /// Toward zero (truncation).
    case towardZero = "toward_zero"
    /// Toward negative infinity.
    case down
}

enum Rational {
    /// `numerator / denominator` rounded by `rule`.
    static func divide(
        _ numerator: Int128, by denominator: Int128, rounding rule: RoundingRule
    )
        throws(MoneyError) -> Int128
    {
        guard denominator != 0 else { throw .divisionByZero }
        var n = numerator
        var d = denominator
        if d < 0 { n = -n; d = -d }
        let quotient = n / d  // truncates toward zero
        let remainder = n % d  // same sign as n
        if remainder == 0 { return quotient }
        let awayFromZero: Int128 = n < 0 ? -1 : 1
        switch rule {
        case .towardZero:
            return quotient
        case .down:
            return n < 0 ? quotient - 1 : quotient
        case .halfUp:
            return 2 * remainder.magnitude >= d.magnitude ? quotient + awayFromZero : quotient
        case .halfEven:
            let twice = 2 * remainder.magnitude
            if twice > d.magnitude { return quotient + awayFromZero }
            if twice < d.magnitude { return quotient }
            return quotient % 2 == 0 ? quotient : quotient + awayFromZero
        }
    }
}
