import Core

/// What the indexes can narrow a walk over a merchant's payments to: statuses and currencies
/// (by their bitmaps) and a `created` range (by the chunks' bounds). What they cannot (amount
/// ranges, card, id prefix, metadata) the walk's caller checks on each candidate.
struct PaymentIndexQuery: Sendable {
    static let everyStatus: UInt32 = (1 << UInt32(DashboardStatus.allCases.count)) - 1
    static let everyCurrency: UInt32 = (1 << UInt32(Currency.all.count)) - 1

    /// A bit per `DashboardStatus.ordinal`.
    var statusMask = Self.everyStatus
    /// A bit per `Currency.index`.
    var currencyMask = Self.everyCurrency
    var createdRange: ClosedRange<Int64> = Int64.min...Int64.max

    static let everything = PaymentIndexQuery()

    static func mask(_ statuses: some Sequence<DashboardStatus>) -> UInt32 {
        statuses.reduce(0) { $0 | 1 << UInt32($1.ordinal) }
    }

    static func mask(_ currency: Currency) -> UInt32 { 1 << UInt32(currency.index) }

    /// Whether nothing can match.
    var isEmpty: Bool { statusMask == 0 || currencyMask == 0 }
}
