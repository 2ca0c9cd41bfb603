import Core

/// The result of converting one amount with a `LockedRate`, with every minor unit accounted for.
///
/// Booking it keeps each currency balanced:
/// - source currency: the customer pays `source` to the FX account;
/// - target currency: the FX account pays out `midMarketValue`, of which `converted` goes to
///   the merchant and `remainder` to the FX revenue account.
///
/// `converted + remainder == midMarketValue` always holds. The remainder is the spread plus the
/// difference between the two roundings; it is never negative for a non-negative amount.
/// What no integer ledger can hold, the part of a target minor unit that rounding dropped, is
/// reported in `roundingResidueNanoMinorUnits` and stays with the FX account's source position.
public struct Conversion: Hashable, Sendable, Codable {
    /// The amount converted, in the rate's `from` currency.
    public let source: Money
    /// What the merchant receives: `source` at the customer rate, rounded once.
    public let converted: Money
    /// `source` at the mid-market rate, rounded once.
    public let midMarketValue: Money
    /// `midMarketValue - converted`, in the target currency: booked to the FX account.
    public let remainder: Money
    /// The exact value at the customer rate minus `converted`, in billionths of a target minor
    /// unit: in -500_000_000...500_000_000 under half-even.
    public let roundingResidueNanoMinorUnits: Int64
    /// The locked rate used.
    public let rate: LockedRate
    /// The rounding rule used (half-even unless the caller chose another).
    public let rounding: RoundingRule
}
