/// The 32-byte AES-256 key a run seals its journal's card fields with, as a user gives it: 64
/// hex digits (in a file, in `PAYSTORM_JOURNAL_KEY`, or on the command line), or a file of 32
/// raw bytes.
package enum JournalKey {
    package static let bytes = 32

    /// The key `text` spells in hex (64 digits, either case; surrounding whitespace ignored).
    /// - Throws: `JournalError.cipher` naming what is wrong, never echoing the text.
    package static func parse(hex text: String) throws(JournalError) -> [UInt8] {
        let digits = Array(text.utf8.filter { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) })
        guard digits.count == 2 * bytes else {
            throw .cipher(
                "a journal key is \(2 * bytes) hex digits (\(bytes) bytes), got \(digits.count) characters")
        }
        var key: [UInt8] = []
        key.reserveCapacity(bytes)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = value(of: digits[index]), let low = value(of: digits[index + 1]) else {
                throw .cipher("a journal key is hex digits only (0-9, a-f)")
            }
            key.append(high << 4 | low)
        }
        return key
    }

    /// The key in a file's contents: 32 raw bytes, or 64 hex digits.
    /// - Throws: `JournalError.cipher` when the contents are neither.
    package static func parse(fileContents contents: [UInt8]) throws(JournalError) -> [UInt8] {
        if contents.count == bytes { return contents }
        return try parse(hex: String(decoding: contents, as: UTF8.self))
    }

    private static func value(of digit: UInt8) -> UInt8? {
        switch digit {
        case 0x30...0x39: digit - 0x30
        case 0x41...0x46: digit - 0x41 + 10
        case 0x61...0x66: digit - 0x61 + 10
        default: nil
        }
    }
}
