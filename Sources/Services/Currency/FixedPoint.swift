import Core

/// Integer division with one rounding, in 128 bits, for rate arithmetic whose intermediate
/// products do not fit in Int64 (an amount times a rate in nanos times a power of ten).
///
/// Core's `Money.scaled(by:over:rounding:)` takes Int64 factors; a cross rate such as
/// KRW per KWD in nanos times 10^3 does not always fit in one, so conversions divide here.
enum FixedPoint {
    /// `numerator / denominator` rounded once by `rule`; `denominator` must be positive.
    static func divide(_ numerator: Int128, by denominator: Int128, rounding rule: RoundingRule) -> Int128 {
        precondition(denominator > 0, "FixedPoint.divide needs a positive denominator")
        let quotient = numerator / denominator  // truncates toward zero
        let remainder = numerator % denominator  // has the sign of the numerator
        if remainder == 0 { return quotient }
        let away: Int128 = numerator < 0 ? -1 : 1
        let twice = 2 * remainder.magnitude
        switch rule {
        case .towardZero:
            return quotient
        case .down:
            return numerator < 0 ? quotient - 1 : quotient
        case .halfUp:
            return twice >= denominator.magnitude ? quotient + away : quotient
        case .halfEven:
            if twice > denominator.magnitude { return quotient + away }
            if twice < denominator.magnitude { return quotient }
            return quotient % 2 == 0 ? quotient : quotient + away
        }
    }

    /// 10^exponent for a currency exponent (0...9).
    static func powerOfTen(_ exponent: Int) -> Int128 {
        var value: Int128 = 1
        for _ in 0..<exponent { value *= 10 }
        return value
    }
}
