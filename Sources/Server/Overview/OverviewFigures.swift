import Core

/// One merchant's overview figures, kept as its payments change: per UTC day of creation (the
/// latest two days seen) and per minute of creation (the latest `minutesKept`), each the sum
/// of its payments' `PaymentContribution`s. The overview reads one day and an hour of minutes
/// instead of every record of the day.
struct OverviewFigures: Sendable {
    static let minutesKept: Int64 = 62
    static let daysKept = 2

    struct CurrencyFigures: Sendable {
        var currencyIndex: UInt8
        var grossMinorUnits: Int64 = 0
        var refundedMinorUnits: Int64 = 0
        /// Payments with something captured.
        var count = 0
        /// Set once an addition overflowed: the amounts are no longer known.
        var overflowed = false
    }

    struct Day: Sendable {
        var dayStartUnixSeconds: Int64
        var currencies: [CurrencyFigures] = []
        var authorized = 0
        /// By `DeclineCode.allCases` index.
        var declines = [Int](repeating: 0, count: DeclineCode.allCases.count)
        var challenged = 0
    }

    struct Minute: Sendable {
        var minute: Int64
        var volumes: [CurrencyFigures] = []
        var authorized: Int64 = 0
        var declined: Int64 = 0
        var latencyTotalMilliseconds: Int64 = 0
        var latencyCount: Int64 = 0
    }

    /// Oldest first.
    private(set) var days: [Day] = []
    /// Oldest first, at most `minutesKept`.
    private(set) var minutes: [Minute] = []

    static let declineIndex: [DeclineCode: Int] = Dictionary(
        uniqueKeysWithValues: DeclineCode.allCases.enumerated().map { ($1, $0) })

    func day(startingAt dayStartUnixSeconds: Int64) -> Day? {
        days.last { $0.dayStartUnixSeconds == dayStartUnixSeconds }
    }

    /// Adds (`sign` 1) or takes away (-1) a payment's contribution at the day and minute it
    /// was created in. A day or minute older than those kept is not tracked any more.
    mutating func apply(
        _ contribution: PaymentContribution, sign: Int64, currencyIndex: Int, createdUnixSeconds: Int64
    ) {
        guard contribution != .none else { return }
        let dayStart =
            DashboardTime.floorDivide(createdUnixSeconds, DashboardTime.secondsPerDay)
            * DashboardTime.secondsPerDay
        if let index = dayIndex(dayStart) {
            var day = days[index]
            if contribution.capturedMinorUnits > 0 {
                Self.add(
                    &day.currencies, currencyIndex, gross: sign * contribution.capturedMinorUnits,
                    refunded: sign * contribution.refundedMinorUnits, count: Int(sign))
            }
            if contribution.isAuthorized { day.authorized += Int(sign) }
            if let code = contribution.declineCode, let index = Self.declineIndex[code] {
                day.declines[index] += Int(sign)
            }
            if contribution.isChallenged { day.challenged += Int(sign) }
            days[index] = day
        }
        let minute = DashboardTime.floorDivide(createdUnixSeconds, 60)
        if let index = minuteIndex(minute) {
            var figures = minutes[index]
            if contribution.capturedMinorUnits > 0 {
                Self.add(
                    &figures.volumes, currencyIndex, gross: sign * contribution.capturedMinorUnits,
                    refunded: 0, count: Int(sign))
            }
            if contribution.isAuthorized {
                figures.authorized += sign
                figures.latencyTotalMilliseconds += sign * contribution.authorizationMilliseconds
                figures.latencyCount += sign
            }
            if contribution.declineCode != nil { figures.declined += sign }
            minutes[index] = figures
        }
    }

    private static func add(
        _ currencies: inout [CurrencyFigures], _ currencyIndex: Int, gross: Int64, refunded: Int64, count: Int
    ) {
        let index: Int
        if let found = currencies.firstIndex(where: { Int($0.currencyIndex) == currencyIndex }) {
            index = found
        } else {
            currencies.append(CurrencyFigures(currencyIndex: UInt8(currencyIndex)))
            index = currencies.count - 1
        }
        let (grossSum, grossOverflow) = currencies[index].grossMinorUnits.addingReportingOverflow(gross)
        let (refundedSum, refundedOverflow) = currencies[index].refundedMinorUnits.addingReportingOverflow(
            refunded)
        currencies[index].grossMinorUnits = grossSum
        currencies[index].refundedMinorUnits = refundedSum
        currencies[index].count += count
        if grossOverflow || refundedOverflow { currencies[index].overflowed = true }
    }

    /// The day's place, made if it is among the latest `daysKept` seen; nil for an older one
    /// (its figures were dropped, so a change to one of its payments is not tracked).
    private mutating func dayIndex(_ dayStart: Int64) -> Int? {
        if let index = days.firstIndex(where: { $0.dayStartUnixSeconds == dayStart }) { return index }
        let at = days.firstIndex { $0.dayStartUnixSeconds > dayStart } ?? days.count
        if days.count >= Self.daysKept && at == 0 { return nil }
        days.insert(Day(dayStartUnixSeconds: dayStart), at: at)
        guard days.count > Self.daysKept else { return at }
        days.removeFirst()
        return at - 1
    }

    /// The minute's place, made if it is among the latest `minutesKept`; nil for an older one.
    private mutating func minuteIndex(_ minute: Int64) -> Int? {
        if let index = minutes.lastIndex(where: { $0.minute == minute }) { return index }
        let newest = max(minute, minutes.last?.minute ?? minute)
        guard minute > newest - Self.minutesKept else { return nil }
        let at = minutes.firstIndex { $0.minute > minute } ?? minutes.count
        minutes.insert(Minute(minute: minute), at: at)
        let stale = minutes.prefix { $0.minute <= newest - Self.minutesKept }.count
        minutes.removeFirst(stale)
        return at - stale
    }
}
