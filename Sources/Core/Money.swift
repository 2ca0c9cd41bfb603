/// An amount of money: a signed count of minor units (cents, yen, fils) in one currency.
///
/// Amounts never pass through floating point. Arithmetic is overflow-checked and throws
/// `MoneyError.overflow` instead of trapping, and mixing currencies throws
/// `MoneyError.currencyMismatch`.
public struct Money: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var minorUnits: Int64
    public var currency: Currency

    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    public static func zero(_ currency: Currency) -> Money { Money(minorUnits: 0, currency: currency) }

    public var isZero: Bool { minorUnits == 0 }
    public var isNegative: Bool { minorUnits < 0 }
    public var isPositive: Bool { minorUnits > 0 }

    /// Stripe accepts three-decimal currencies (KWD, BHD, ...) only in multiples of 10 minor units.
    public var isStripeCompatible: Bool { currency.exponent != 3 || minorUnits % 10 == 0 }

    /// Orders amounts of one currency; amounts of different currencies order by currency code
    /// so that sorting a mixed list is still total.
    public static func < (lhs: Money, rhs: Money) -> Bool {
        lhs.currency == rhs.currency ? lhs.minorUnits < rhs.minorUnits : lhs.currency < rhs.currency
    }

    // MARK: Arithmetic

    public func adding(_ other: Money) throws(MoneyError) -> Money {
        try requireSameCurrency(other)
        let (sum, overflow) = minorUnits.addingReportingOverflow(other.minorUnits)
        if overflow { throw .overflow(operation: "\(self) + \(other)") }
        return Money(minorUnits: sum, currency: currency)
    }

    public func subtracting(_ other: Money) throws(MoneyError) -> Money {
        try requireSameCurrency(other)
        let (difference, overflow) = minorUnits.subtractingReportingOverflow(other.minorUnits)
        if overflow { throw .overflow(operation: "\(self) - \(other)") }
        return Money(minorUnits: difference, currency: currency)
    }

    public func multiplied(by factor: Int64) throws(MoneyError) -> Money {
        let (product, overflow) = minorUnits.multipliedReportingOverflow(by: factor)
        if overflow { throw .overflow(operation: "\(self) * \(factor)") }
        return Money(minorUnits: product, currency: currency)
    }

    public func negated() throws(MoneyError) -> Money {
        if minorUnits == .min { throw .overflow(operation: "-(\(self))") }
        return Money(minorUnits: -minorUnits, currency: currency)
    }

    /// `self * numerator / denominator`, rounded once by `rule`, computed in 128 bits so that
    /// the intermediate product cannot overflow.
    /// - Throws: `.divisionByZero`, or `.overflow` if the rounded result exceeds Int64.
    public func scaled(
        by numerator: Int64, over denominator: Int64, rounding rule: RoundingRule = .halfEven
    ) throws(MoneyError) -> Money {
        let value = try Rational.divide(
            Int128(minorUnits) * Int128(numerator), by: Int128(denominator), rounding: rule)
        guard let units = Int64(exactly: value) else {
            throw .overflow(operation: "\(self) * \(numerator) / \(denominator)")
        }
        return Money(minorUnits: units, currency: currency)
    }

    /// A fee of `basisPoints` (1/100 of a percent; 290 is 2.9%) plus a fixed part in minor units,
    /// rounded half-even once. Stripe's default card fee is `fee(basisPoints: 290, fixed: 30)`.
    public func fee(basisPoints: Int64, fixedMinorUnits: Int64) throws(MoneyError) -> Money {
        let proportional = try scaled(by: basisPoints, over: 10_000, rounding: .halfEven)
        return try proportional.adding(Money(minorUnits: fixedMinorUnits, currency: currency))
    }

    /// Splits the amount into parts proportional to `weights` that sum exactly to the amount
    /// (largest-remainder method; ties go to the earlier part). A negative amount splits into
    /// negative parts.
    /// - Throws: `.invalidAllocation` for no weights, a negative weight or all-zero weights.
    public func allocated(_ weights: [Int64]) throws(MoneyError) -> [Money] {
        guard !weights.isEmpty else { throw .invalidAllocation(reason: "no weights") }
        guard weights.allSatisfy({ $0 >= 0 }) else {
            throw .invalidAllocation(reason: "negative weight in \(weights)")
        }
        let total = weights.reduce(Int128(0)) { $0 + Int128($1) }
        guard total > 0 else { throw .invalidAllocation(reason: "weights sum to zero") }
        let magnitude = Int128(minorUnits).magnitude
        var parts: [Int128] = []
        var remainders: [(index: Int, remainder: Int128)] = []
        parts.reserveCapacity(weights.count)
        var assigned: Int128 = 0
        for (index, weight) in weights.enumerated() {
            let product = Int128(magnitude) * Int128(weight)
            let part = product / total
            parts.append(part)
            remainders.append((index, product % total))
            assigned += part
        }
        var left = Int128(magnitude) - assigned
        // Hand the leftover minor units to the parts with the largest remainders.
        remainders.sort { $0.remainder != $1.remainder ? $0.remainder > $1.remainder : $0.index < $1.index }
        var cursor = 0
        while left > 0 {
            parts[remainders[cursor].index] += 1
            left -= 1
            cursor += 1
        }
        let sign: Int128 = minorUnits < 0 ? -1 : 1
        return parts.map { Money(minorUnits: Int64(sign * $0), currency: currency) }
    }

    /// Splits the amount into `count` parts that differ by at most one minor unit.
    public func split(into count: Int) throws(MoneyError) -> [Money] {
        guard count > 0 else { throw .invalidAllocation(reason: "cannot split into \(count) parts") }
        return try allocated(Array(repeating: 1, count: count))
    }

    private func requireSameCurrency(_ other: Money) throws(MoneyError) {
        if other.currency != currency { throw .currencyMismatch(currency, other.currency) }
    }

    // MARK: Text

    /// "12.34 USD", "1200 JPY", "-0.050 KWD".
    public var description: String { "\(decimalString) \(currency.code)" }

    /// The amount in major units with exactly `currency.exponent` decimals: "12.34", "1200".
    public var decimalString: String {
        let exponent = currency.exponent
        let magnitude = minorUnits.magnitude
        let sign = minorUnits < 0 ? "-" : ""
        guard exponent > 0 else { return sign + String(magnitude) }
        let scale = UInt64(currency.minorUnitsPerMajor)
        let fraction = String(magnitude % scale)
        let padded = String(repeating: "0", count: exponent - fraction.count) + fraction
        return "\(sign)\(magnitude / scale).\(padded)"
    }

    /// Parses "12.34 USD", "USD 12.34", "-5 EUR" or "1,200 JPY".
    ///
    /// The text must name its currency; the amount may have at most as many decimals as the
    /// currency allows (trailing zeros beyond that are accepted: "12.340 USD").
    /// - Throws: `MoneyError` naming what is wrong; never traps.
    public init(parsing text: String) throws(MoneyError) {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard words.count == 2 else {
            throw .malformedAmount(text, reason: "expected '<amount> <currency>', e.g. '12.34 USD'")
        }
        let isLetters: (String) -> Bool = { word in
            word.count == 3
                && word.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("a"..."z").contains($0) }
        }
        let (amountText, codeText) = isLetters(words[1]) ? (words[0], words[1]) : (words[1], words[0])
        guard isLetters(codeText) else {
            throw .malformedAmount(text, reason: "no three-letter currency code")
        }
        let currency = try Currency(code: codeText)
        self = try Money(parsing: amountText, currency: currency)
    }

    /// Parses a decimal amount in major units ("12.34", "-0.5", "1,200") in `currency`.
    public init(parsing amountText: String, currency: Currency) throws(MoneyError) {
        var digits = Substring(amountText)
        var negative = false
        if digits.first == "-" || digits.first == "+" {
            negative = digits.first == "-"
            digits = digits.dropFirst()
        }
        let parts = digits.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count <= 2 else {
            throw .malformedAmount(amountText, reason: "more than one decimal point")
        }
        let whole = parts[0].filter { $0 != "," && $0 != "_" }
        var fraction = parts.count == 2 ? Substring(parts[1]) : ""
        guard !whole.isEmpty || !fraction.isEmpty else {
            throw .malformedAmount(amountText, reason: "no digits")
        }
        let isDigits: (Substring) -> Bool = { $0.unicodeScalars.allSatisfy { ("0"..."9").contains($0) } }
        guard isDigits(Substring(whole)), isDigits(fraction) else {
            throw .malformedAmount(
                amountText, reason: "only digits, one '.', ',' separators and a leading sign are allowed")
        }
        while fraction.count > currency.exponent, fraction.last == "0" { fraction = fraction.dropLast() }
        guard fraction.count <= currency.exponent else {
            throw .tooManyDecimals(amountText, currency: currency)
        }
        let paddedFraction = fraction + String(repeating: "0", count: currency.exponent - fraction.count)
        let combined = (whole.isEmpty ? "0" : whole) + paddedFraction
        // Parse the magnitude unsigned so that Int64.min ("-92233720368547758.08 USD"), whose
        // magnitude exceeds Int64.max, round-trips through `description`.
        guard let magnitude = UInt64(combined),
            let units = negative
                ? (magnitude == Int64.min.magnitude ? Int64.min : Int64(exactly: magnitude).map { -$0 })
                : Int64(exactly: magnitude)
        else {
            throw .overflow(operation: "parsing '\(amountText)'")
        }
        self.init(minorUnits: units, currency: currency)
    }
}

extension Money: Codable {}
