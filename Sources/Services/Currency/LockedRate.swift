import Core
import PaystormRuntime

/// A rate quoted to one payment and kept on it: the payment converts with this rate however the
/// market moves afterwards (Stripe locks the rate when it captures).
public struct LockedRate: Hashable, Sendable {
    public let id: FXQuoteID
    /// The mid-market rate at `lockedAt`.
    public let midMarket: ExchangeRate
    /// What the merchant is converted at: `midMarket` less the spread, rounded half-even once to
    /// a nanos rate. It never exceeds `midMarket`.
    public let customer: ExchangeRate
    /// The FX spread kept by the processor, in basis points (100 = 1%).
    public let spreadBasisPoints: Int64
    /// The run time at which the rate was locked.
    public let lockedAt: SimTime

    public var from: Currency { midMarket.from }
    public var to: Currency { midMarket.to }

    /// - Throws: `.invalidConfiguration` if the spread is not in 0..<10_000 basis points.
    public init(
        id: FXQuoteID, midMarket: ExchangeRate, spreadBasisPoints: Int64, lockedAt: SimTime
    )
        throws(CurrencyError)
    {
        guard (0..<10_000).contains(spreadBasisPoints) else {
            throw .invalidConfiguration("spreadBasisPoints must be in 0..<10000")
        }
        self.init(
            validated: id, midMarket: midMarket, spreadBasisPoints: spreadBasisPoints, lockedAt: lockedAt)
    }

    /// For a spread already known to be in 0..<10_000. A customer rate that would round to zero
    /// is kept at one nano (only a rate of a few nanos could).
    init(validated id: FXQuoteID, midMarket: ExchangeRate, spreadBasisPoints: Int64, lockedAt: SimTime) {
        let nanos = FixedPoint.divide(
            Int128(midMarket.nanos) * Int128(10_000 - spreadBasisPoints), by: 10_000, rounding: .halfEven)
        self.id = id
        self.midMarket = midMarket
        self.customer = ExchangeRate(unchecked: midMarket.from, to: midMarket.to, nanos: max(1, Int64(nanos)))
        self.spreadBasisPoints = spreadBasisPoints
        self.lockedAt = lockedAt
    }

    /// Converts `amount` with this locked rate; see `Conversion`.
    ///
    /// The rule is half-even (banker's rounding), once per figure, unless the caller states
    /// another one.
    /// - Throws: `CurrencyError` if the amount is not in `from` or the result overflows.
    public func convert(
        _ amount: Money, rounding rule: RoundingRule = .halfEven
    ) throws(CurrencyError)
        -> Conversion
    {
        let converted = try customer.convert(amount, rounding: rule)
        let midValue = try midMarket.convert(amount, rounding: rule)
        // The exact value at the customer rate in billionths of a target minor unit, to report
        // what the one rounding of `converted` moved (never more than half a minor unit under
        // half-even).
        let exactNanoUnits = FixedPoint.divide(
            Int128(amount.minorUnits) * Int128(customer.nanos) * FixedPoint.powerOfTen(to.exponent),
            by: FixedPoint.powerOfTen(from.exponent), rounding: .halfEven)
        let residue = exactNanoUnits - Int128(converted.minorUnits) * Int128(ExchangeRate.nanosPerUnit)
        guard let remainderUnits = Int64(exactly: Int128(midValue.minorUnits) - Int128(converted.minorUnits)),
            let residueNanos = Int64(exactly: residue)
        else { throw .overflow("remainder of \(amount) at \(midMarket)") }
        return Conversion(
            source: amount, converted: converted, midMarketValue: midValue,
            remainder: Money(minorUnits: remainderUnits, currency: to),
            roundingResidueNanoMinorUnits: residueNanos, rate: self, rounding: rule)
    }
}

/// Encoded with its time as nanoseconds (the form its first encoders wrote); the customer rate is not
/// stored but recomputed from the mid-market rate and the spread, so it cannot disagree.
extension LockedRate: Codable {
    enum CodingKeys: String, CodingKey {
        case id, midMarket, spreadBasisPoints, lockedAtNanoseconds
    }

    public init(from decoder: any Decoder) throws {
        // Read in the order `encode` writes: a positional decoder (`BinaryDecoder`) needs it.
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let id = try container.decode(FXQuoteID.self, forKey: .id)
        let midMarket = try container.decode(ExchangeRate.self, forKey: .midMarket)
        let spread = try container.decode(Int64.self, forKey: .spreadBasisPoints)
        guard (0..<10_000).contains(spread) else {
            throw DecodingError.dataCorruptedError(
                forKey: .spreadBasisPoints, in: container, debugDescription: "spread must be in 0..<10000")
        }
        self.init(
            validated: id, midMarket: midMarket, spreadBasisPoints: spread,
            lockedAt: SimTime(nanoseconds: try container.decode(Int64.self, forKey: .lockedAtNanoseconds)))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(midMarket, forKey: .midMarket)
        try container.encode(spreadBasisPoints, forKey: .spreadBasisPoints)
        try container.encode(lockedAt.nanoseconds, forKey: .lockedAtNanoseconds)
    }
}
