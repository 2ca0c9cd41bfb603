import Core

/// Today's figures of one merchant on the overview (payments created since midnight UTC), read
/// from what the store keeps as payments change.
struct OverviewDay {
    var gross: [Currency: Int64] = [:]
    var refunded: [Currency: Int64] = [:]
    var counts: [Currency: Int] = [:]
    /// Currencies whose gross no longer fits an Int64: shown as overflow, never wrapped.
    var overflowed: Set<Currency> = []
    var authorized = 0
    /// Declines by Stripe's decline code.
    var declines: [String: Int] = [:]
    var challenged = 0

    init(_ figures: OverviewFigures, dayStartUnixSeconds: Int64) {
        guard let today = figures.day(startingAt: dayStartUnixSeconds) else { return }
        for entry in today.currencies where entry.count > 0 {
            let currency = Currency.all[Int(entry.currencyIndex)]
            gross[currency] = entry.grossMinorUnits
            refunded[currency] = entry.refundedMinorUnits
            counts[currency] = entry.count
            if entry.overflowed { overflowed.insert(currency) }
        }
        authorized = today.authorized
        for (index, count) in today.declines.enumerated() where count > 0 {
            declines[DeclineCode.allCases[index].rawValue] = count
        }
        challenged = today.challenged
    }

    var declined: Int { declines.values.reduce(0, +) }
}
