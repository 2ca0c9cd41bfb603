import Core

/// A merchant's payments counted and added up per status and currency, kept as payments are
/// stored and change status, so that the totals of a list filtered by status and currency
/// alone need no walk.
///
/// Sparse: a merchant holds an entry per status and currency it has had (a few), not the whole
/// table (140 entries), because a served system may hold tens of thousands of merchants.
struct PaymentTotals: Sendable {
    struct Entry: Sendable {
        var statusOrdinal: UInt8
        var currencyIndex: UInt8
        var count: Int
        var amountMinorUnits: Int64
        /// Set once an addition overflowed: the amount is then no longer known.
        var overflowed: Bool
    }

    private(set) var entries: [Entry] = []

    mutating func add(_ summary: PaymentSummary, status: DashboardStatus, sign: Int64) {
        let key = (UInt8(status.ordinal), summary.currencyIndex)
        let index: Int
        if let found = entries.firstIndex(where: { ($0.statusOrdinal, $0.currencyIndex) == key }) {
            index = found
        } else {
            entries.append(
                Entry(
                    statusOrdinal: key.0, currencyIndex: key.1, count: 0, amountMinorUnits: 0,
                    overflowed: false))
            index = entries.count - 1
        }
        entries[index].count += Int(sign)
        let (amount, overflow) = entries[index].amountMinorUnits.addingReportingOverflow(
            sign * summary.amountMinorUnits)
        entries[index].amountMinorUnits = amount
        if overflow { entries[index].overflowed = true }
    }

    /// Count and amount per currency of the payments in `query`'s statuses and currencies (its
    /// created range is not applied: callers use this only without one).
    func sums(_ query: PaymentIndexQuery) -> PaymentSums {
        var sums = PaymentSums()
        for entry in entries
        where query.statusMask & (1 << UInt32(entry.statusOrdinal)) != 0
            && query.currencyMask & (1 << UInt32(entry.currencyIndex)) != 0
        {
            sums.add(
                currencyIndex: Int(entry.currencyIndex), count: entry.count,
                amountMinorUnits: entry.amountMinorUnits, overflowed: entry.overflowed)
        }
        return sums
    }
}

/// Counts and amounts per currency (by `Currency.index`) of a set of payments.
struct PaymentSums: Sendable {
    private(set) var counts = [Int](repeating: 0, count: Currency.all.count)
    private(set) var amountsMinorUnits = [Int64](repeating: 0, count: Currency.all.count)
    /// Currencies whose amount overflowed Int64: shown as such, never wrapped.
    private(set) var overflowed = [Bool](repeating: false, count: Currency.all.count)

    var count: Int { counts.reduce(0, +) }

    mutating func add(currencyIndex: Int, count: Int, amountMinorUnits: Int64, overflowed: Bool = false) {
        counts[currencyIndex] += count
        let (sum, overflow) = amountsMinorUnits[currencyIndex].addingReportingOverflow(amountMinorUnits)
        amountsMinorUnits[currencyIndex] = sum
        if overflow || overflowed { self.overflowed[currencyIndex] = true }
    }

    mutating func add(_ summary: PaymentSummary) {
        add(currencyIndex: Int(summary.currencyIndex), count: 1, amountMinorUnits: summary.amountMinorUnits)
    }
}
