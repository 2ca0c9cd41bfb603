import Core

/// How many major units of `to` one major unit of `from` buys, in fixed point: `nanos` is the
/// rate times 10^9 ("150.123456789 JPY per USD" is 150_123_456_789).
///
/// Rates are integers so that converting an amount is exact integer arithmetic with one rounding;
/// nine decimals is finer than any published FX quote.
public struct ExchangeRate: Hashable, Sendable, CustomStringConvertible {
    /// Nanos in one whole unit of rate.
    public static let nanosPerUnit: Int64 = 1_000_000_000
    /// The largest rate accepted: one million units of `to` per unit of `from`. It keeps
    /// `amount × nanos × 10^exponent` inside Int128 for every Int64 amount.
    public static let nanosMax: Int64 = 1_000_000 * nanosPerUnit

    public let from: Currency
    public let to: Currency
    /// The rate × 10^9.
    public let nanos: Int64

    /// - Throws: `CurrencyError.invalidRate` unless `nanos` is in 1...`nanosMax`.
    public init(from: Currency, to: Currency, nanos: Int64) throws(CurrencyError) {
        guard (1...Self.nanosMax).contains(nanos) else { throw .invalidRate(nanos: nanos) }
        self.from = from
        self.to = to
        self.nanos = nanos
    }

    /// One for one: the rate between a currency and itself.
    public static func identity(_ currency: Currency) -> ExchangeRate {
        ExchangeRate(unchecked: currency, to: currency, nanos: nanosPerUnit)
    }

    /// For rates already known to be in range.
    init(unchecked from: Currency, to: Currency, nanos: Int64) {
        precondition((1...Self.nanosMax).contains(nanos), "rate out of range")
        self.from = from
        self.to = to
        self.nanos = nanos
    }

    /// `amount` (in `from`) in minor units of `to`, rounded once by `rule`:
    /// `minor × nanos × 10^to.exponent / (10^9 × 10^from.exponent)`.
    /// - Throws: `.currencyMismatch` if the amount is not in `from`; `.overflow` if the result
    ///   does not fit in Int64.
    public func convert(
        _ amount: Money, rounding rule: RoundingRule = .halfEven
    ) throws(CurrencyError)
        -> Money
    {
        guard amount.currency == from else {
            throw .currencyMismatch(amount: amount.currency, rateFrom: from)
        }
        let numerator = Int128(amount.minorUnits) * Int128(nanos) * FixedPoint.powerOfTen(to.exponent)
        let denominator = Int128(Self.nanosPerUnit) * FixedPoint.powerOfTen(from.exponent)
        let value = FixedPoint.divide(numerator, by: denominator, rounding: rule)
        guard let units = Int64(exactly: value) else { throw .overflow("\(amount) at \(self)") }
        return Money(minorUnits: units, currency: to)
    }

    /// "1 USD = 150.123456789 JPY".
    public var description: String {
        let whole = nanos / Self.nanosPerUnit
        let fraction = String(nanos % Self.nanosPerUnit)
        let padded = String(repeating: "0", count: 9 - fraction.count) + fraction
        return "1 \(from.code) = \(whole).\(padded) \(to.code)"
    }
}

/// Decoding validates the rate as `init(from:to:nanos:)` does.
extension ExchangeRate: Codable {
    enum CodingKeys: String, CodingKey { case from, to, nanos }

    public init(from decoder: any Decoder) throws {
        // Read in the order `encode` writes: a positional decoder (`BinaryDecoder`) needs it.
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let from = try container.decode(Currency.self, forKey: .from)
        let to = try container.decode(Currency.self, forKey: .to)
        let nanos = try container.decode(Int64.self, forKey: .nanos)
        guard (1...Self.nanosMax).contains(nanos) else {
            throw DecodingError.dataCorruptedError(
                forKey: .nanos, in: container,
                debugDescription: CurrencyError.invalidRate(nanos: nanos).description)
        }
        self.init(unchecked: from, to: to, nanos: nanos)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(from, forKey: .from)
        try container.encode(to, forKey: .to)
        try container.encode(nanos, forKey: .nanos)
    }
}
