/// Times as the dashboard prints and reads them: UTC, `2026-12-05 20:41:07`, days as
/// `2026-12-05` (what an `<input type="date">` sends). Civil-date arithmetic by hand: no
/// formatter object is shared across requests, and nothing depends on the machine's time zone.
enum DashboardTime {
    static let secondsPerDay: Int64 = 86_400

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date of a day number (`civil_from_days`).
    static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// `2026-12-05`.
    static func date(_ unixSeconds: Int64) -> String {
        let (year, month, day) = civil(days: floorDivide(unixSeconds, secondsPerDay))
        return "\(year)-\(two(month))-\(two(day))"
    }

    /// `20:41:07`.
    static func clock(_ unixSeconds: Int64) -> String {
        let seconds = unixSeconds - floorDivide(unixSeconds, secondsPerDay) * secondsPerDay
        return "\(two(seconds / 3_600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))"
    }

    /// `20:41`.
    static func minute(_ unixSeconds: Int64) -> String { String(clock(unixSeconds).prefix(5)) }

    /// `2026-12-05 20:41:07`.
    static func dateTime(_ unixSeconds: Int64) -> String { date(unixSeconds) + " " + clock(unixSeconds) }

    /// The first second of a `YYYY-MM-DD` day, or nil for anything else.
    static func dayStart(_ text: String) -> Int64? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int64(parts[0]), let month = Int64(parts[1]), let day = Int64(parts[2]),
            (1...12).contains(month), (1...31).contains(day), year >= 1970
        else { return nil }
        let days = days(year: year, month: month, day: day)
        // 2026-02-31 is not a day: it would come back as March.
        guard civil(days: days) == (year, month, day) else { return nil }
        return days * secondsPerDay
    }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }
}
