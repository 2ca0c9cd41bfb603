/// Numbers as a report prints them, without locale (a report must read the same anywhere).
enum ReportNumber {
    /// 1234567 → "1,234,567".
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(character)
        }
        return (value < 0 ? "-" : "") + grouped
    }

    /// `value` with `decimals` places (ratios, milliseconds, rates: never amounts).
    static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return "-" }
        var factor = 1.0
        for _ in 0..<decimals { factor *= 10 }
        let scaled = Int64((abs(value) * factor).rounded())
        let whole = scaled / Int64(factor)
        var text = (value < 0 && scaled != 0 ? "-" : "") + count(Int(whole))
        if decimals > 0 {
            let fraction = String(scaled % Int64(factor))
            text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
        }
        return text
    }

    /// A short figure for an axis or a hover: 1234 → "1,234", 0.25 → "0.25", 12.5 → "12.5".
    static func short(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        if abs(value) >= 100 || value == value.rounded() { return fixed(value, 0) }
        if abs(value) >= 10 { return fixed(value, 1) }
        return fixed(value, 2)
    }

    /// Run time on an axis: "45s", or "12m" / "1h05m" on a long run.
    static func runTime(_ seconds: Double, long: Bool) -> String {
        guard seconds.isFinite else { return "-" }
        let whole = Int(seconds.rounded())
        if !long { return "\(whole)s" }
        let minutes = whole / 60
        if minutes < 60 { return "\(minutes)m" + (whole % 60 == 0 ? "" : "\(whole % 60)s") }
        let rest = minutes % 60
        return "\(minutes / 60)h" + (rest < 10 ? "0" : "") + "\(rest)m"
    }
}
