/// Durations as people write them in scenario files and on the command line: "500ms", "30s",
/// "10m", "1h30m", "2d". Whole numbers per unit, no floating point.
public enum DurationText {
    public static func parse(_ text: String) -> Duration? {
        let scalars = Array(text.trimmingWhitespace.unicodeScalars)
        guard !scalars.isEmpty else { return nil }
        var total: Int64 = 0
        var index = 0
        var parts = 0
        while index < scalars.count {
            var digits: Int64 = 0
            var sawDigit = false
            while index < scalars.count, let value = Int64(String(scalars[index])), scalars[index].isASCII {
                let (scaled, overflow1) = digits.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = scaled.addingReportingOverflow(value)
                if overflow1 || overflow2 { return nil }
                digits = sum
                sawDigit = true
                index += 1
            }
            guard sawDigit else { return nil }
            var unit = ""
            while index < scalars.count, scalars[index].properties.isAlphabetic {
                unit.unicodeScalars.append(scalars[index])
                index += 1
            }
            let nanosPerUnit: Int64
            switch unit {
            case "ms": nanosPerUnit = 1_000_000
            case "s": nanosPerUnit = 1_000_000_000
            case "m": nanosPerUnit = 60_000_000_000
            case "h": nanosPerUnit = 3_600_000_000_000
            case "d": nanosPerUnit = 86_400_000_000_000
            default: return nil
            }
            let (part, overflow) = digits.multipliedReportingOverflow(by: nanosPerUnit)
            if overflow { return nil }
            let (sum, overflow2) = total.addingReportingOverflow(part)
            if overflow2 { return nil }
            total = sum
            parts += 1
        }
        guard parts > 0, total > 0 else { return nil }
        return .nanoseconds(total)
    }

    /// "1h30m", "45s", "250ms": the shortest exact spelling.
    public static func format(_ duration: Duration) -> String {
        var nanos =
            duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
        if nanos == 0 { return "0s" }
        var text = ""
        for (unit, size) in [
            ("d", Int64(86_400_000_000_000)), ("h", 3_600_000_000_000), ("m", 60_000_000_000),
            ("s", 1_000_000_000), ("ms", 1_000_000),
        ] where nanos >= size {
            text += "\(nanos / size)\(unit)"
            nanos %= size
        }
        return text.isEmpty ? "\(nanos)ns" : text
    }
}

extension String {
    var trimmingWhitespace: Substring {
        var slice = Substring(self)
        while slice.first?.isWhitespace == true { slice = slice.dropFirst() }
        while slice.last?.isWhitespace == true { slice = slice.dropLast() }
        return slice
    }
}
