/// Recognizes card numbers in bytes about to be journaled, as a last line of defense: the
/// journal keeps tokens only, and a PAN that reached it by mistake (even sealed) would put the
/// whole file in PCI scope.
///
/// A PAN is a run of 13 to 19 ASCII digits (optionally grouped by single spaces or dashes),
/// not starting with 0, that passes the Luhn check. Tokens, last-four digits and expiry dates do not match.
enum PANDetector {
    static let digitsMin = 13
    static let digitsMax = 19

    static func containsPAN(_ bytes: [UInt8]) -> Bool {
        var digits: [UInt8] = []
        var index = 0
        while index <= bytes.count {
            let byte: UInt8? = index < bytes.count ? bytes[index] : nil
            if let byte, byte >= 0x30 && byte <= 0x39 {
                digits.append(byte - 0x30)
            } else if let byte, (byte == 0x20 || byte == 0x2D), !digits.isEmpty,
                index + 1 < bytes.count, bytes[index + 1] >= 0x30 && bytes[index + 1] <= 0x39
            {
                // A separator inside a group of digits: keep the run going.
            } else {
                if runContainsPAN(digits) { return true }
                digits.removeAll(keepingCapacity: true)
            }
            index += 1
        }
        return false
    }

    /// Whether a maximal run of digits is a PAN: 13-19 digits, not starting with 0 (no issuer
    /// number does; zero-padded identifiers do), passing Luhn. Only whole runs count: a longer
    /// number is not a card number, and testing every window of it would refuse one number in
    /// ten by chance.
    private static func runContainsPAN(_ digits: [UInt8]) -> Bool {
        guard (digitsMin...digitsMax).contains(digits.count), digits[0] != 0 else { return false }
        return luhn(digits[...])
    }

    static func luhn(_ digits: ArraySlice<UInt8>) -> Bool {
        var sum = 0
        for (position, digit) in digits.reversed().enumerated() {
            var value = Int(digit)
            if position % 2 == 1 {
                value *= 2
                if value > 9 { value -= 9 }
            }
            sum += value
        }
        return sum % 10 == 0
    }
}
