/// The digit-level helpers that card validation and fingerprinting share.
///
/// Kept apart from `Card` so that the PAN only ever flows through functions, never into a
/// stored property.
enum CardDigits {
    /// The value of an ASCII digit, or nil for anything else (including non-ASCII digits such as
    /// "٣", which `Character.isNumber` would accept).
    static func value(of scalar: Unicode.Scalar) -> Int? {
        guard scalar.value >= 48, scalar.value <= 57 else { return nil }
        return Int(scalar.value - 48)
    }

    /// Whether `digits` (most significant first) pass the Luhn (mod 10) check.
    static func passesLuhn(_ digits: [Int]) -> Bool {
        var sum = 0
        for (offset, digit) in digits.reversed().enumerated() {
            if offset % 2 == 1 {
                let doubled = digit * 2
                sum += doubled > 9 ? doubled - 9 : doubled
            } else {
                sum += digit
            }
        }
        return sum % 10 == 0
    }

    /// A fixed 64-bit FNV-1a hash of `domain` and `bytes`, as 16 lower-case hex digits.
    ///
    /// Stable across runs and processes (unlike `Hasher`, which is seeded per process), so the
    /// same PAN gets the same fingerprint every time it is tokenized.
    /// - Warning: Not a cryptographic hash: a 64-bit hash of a PAN can be brute-forced. Good
    ///   enough for a simulation, where Core must not depend on Crypto; a real vault would use a
    ///   keyed HMAC.
    static func fingerprint(_ bytes: [UInt8], domain: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let prime: UInt64 = 0x0000_0100_0000_01b3
        for byte in domain.utf8 {
            hash = (hash ^ UInt64(byte)) &* prime
        }
        hash = (hash ^ 0x2f) &* prime  // "/" separates the domain from the bytes
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* prime
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The digits as ASCII bytes.
    static func ascii(_ digits: [Int]) -> [UInt8] { digits.map { UInt8(48 + $0) } }

    /// The last four digits as text.
    static func last4(_ digits: [Int]) -> String {
        String(decoding: digits.suffix(4).map { UInt8(48 + $0) }, as: UTF8.self)
    }

    /// Whether `text` contains `part`, compared as UTF-8 bytes (a card number is ASCII; no
    /// Unicode-aware search is needed to find one in a token, and tokenizing is per payment).
    static func contains(_ text: String, _ part: String) -> Bool {
        // Read in the strings' own storage (or a stack copy of a small one): arrays of their
        // bytes were two allocations on every tokenizing.
        var text = text
        var part = part
        return text.withUTF8 { text in
            part.withUTF8 { part in
                guard !part.isEmpty else { return true }
                guard text.count >= part.count else { return false }
                for start in 0...(text.count - part.count) where text[start] == part[0] {
                    if text[start..<start + part.count].elementsEqual(part) { return true }
                }
                return false
            }
        }
    }
}
