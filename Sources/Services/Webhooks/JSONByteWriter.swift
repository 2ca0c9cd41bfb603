import Core

/// JSON written byte by byte into a buffer sized beforehand for the most it can take.
///
/// Why: a payment's event body is written again for every delivery attempt into a stack
/// buffer (see `WebhookEvent.withBody`), where keeping it from the event's creation to its
/// delivery was an allocation for every event. The bounds are checked: a buffer sized too
/// small traps instead of writing past its end.
struct JSONByteWriter {
    private let buffer: UnsafeMutableBufferPointer<UInt8>
    /// Bytes written so far.
    private(set) var count = 0

    init(_ buffer: UnsafeMutableBufferPointer<UInt8>) { self.buffer = buffer }

    /// The bytes `write` writes, in an array of at most `countMax`.
    static func bytes(countMax: Int, _ write: (inout JSONByteWriter) -> Void) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: countMax) { buffer, count in
            var writer = JSONByteWriter(buffer)
            write(&writer)
            count = writer.count
        }
    }

    /// The bytes written so far.
    var written: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: buffer[..<count]) }

    mutating func append(_ byte: UInt8) {
        precondition(count < buffer.count, "JSON buffer sized too small")
        buffer[count] = byte
        count += 1
    }

    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        precondition(count + bytes.count <= buffer.count, "JSON buffer sized too small")
        (buffer.baseAddress! + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { append($0) }
    }

    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append($0) }
    }

    /// `value` in decimal.
    mutating func append(_ value: Int64) {
        withDecimalDigits(of: value) { append($0.assumingMemoryBound(to: UInt8.self)) }
    }

    /// What `id.description` prints.
    mutating func append<Kind>(_ id: Identifier<Kind>) {
        id.withDescriptionUTF8 { append($0) }
    }

    /// The most bytes `append(_:)` of an id writes: its prefix, `_` and 16 hex digits.
    static func countMax<Kind>(_: Identifier<Kind>.Type) -> Int { Kind.prefix.utf8.count + 1 + 16 }

    /// The most bytes `appendQuoted(text)` writes: every byte escaped as `\u00XX`, and quotes.
    static func quotedCountMax(_ text: String) -> Int { 6 * text.utf8.count + 2 }

    /// `text` as a JSON string literal, with the same escapes as `WebhookEvent.quoted(_:)`.
    mutating func appendQuoted(_ text: String) {
        append(UInt8(ascii: "\""))
        // Ids, codes and types never need an escape: scanned and copied in one go from the
        // string's contiguous bytes (its UTF-8 view, iterated, decoded byte by byte).
        let copied = text.utf8.withContiguousStorageIfAvailable { bytes in
            guard !bytes.contains(where: Self.needsEscape) else { return false }
            append(bytes)
            return true
        }
        if copied != true {
            for byte in text.utf8 { appendEscaped(byte) }
        }
        append(UInt8(ascii: "\""))
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    private mutating func appendEscaped(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): append("\\\"")
        case UInt8(ascii: "\\"): append("\\\\")
        case UInt8(ascii: "\n"): append("\\n")
        case UInt8(ascii: "\r"): append("\\r")
        case UInt8(ascii: "\t"): append("\\t")
        case 0..<0x20:
            let digits: StaticString = "0123456789abcdef"
            append("\\u00")
            append(digits.utf8Start[Int(byte >> 4)])
            append(digits.utf8Start[Int(byte & 0x0F)])
        default:
            // Bytes of multi-byte UTF-8 sequences are >= 0x80 and pass through unchanged.
            append(byte)
        }
    }
}
