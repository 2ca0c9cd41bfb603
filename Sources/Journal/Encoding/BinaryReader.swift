/// Reads what `BinaryWriter` wrote, throwing a typed error instead of trapping on truncated or
/// malformed input (a torn or corrupt journal record is input, not a programming error).
public struct BinaryReader: Sendable {
    public let bytes: [UInt8]
    public private(set) var offset: Int
    /// The format version of the record being decoded, so that a decoder can read older layouts.
    public let version: UInt8

    public init(_ bytes: [UInt8], version: UInt8 = 1) {
        self.bytes = bytes
        self.offset = 0
        self.version = version
    }

    public var remaining: Int { bytes.count - offset }
    public var isAtEnd: Bool { offset >= bytes.count }

    private func need(_ count: Int) throws(JournalError) {
        guard count <= remaining else {
            throw .truncated(offset: offset, needed: count, available: remaining)
        }
    }

    public mutating func readUInt8() throws(JournalError) -> UInt8 {
        try need(1)
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func readBool() throws(JournalError) -> Bool {
        let start = offset
        switch try readUInt8() {
        case 0: return false
        case 1: return true
        case let other: throw .invalidField("bool at byte \(start)", reason: "value \(other) is not 0 or 1")
        }
    }

    public mutating func readLittleEndian<T: FixedWidthInteger>(_: T.Type = T.self) throws(JournalError) -> T
    {
        let size = T.bitWidth / 8
        try need(size)
        var value: T = 0
        for index in 0..<size {
            value |= T(truncatingIfNeeded: bytes[offset + index]) << (8 * index)
        }
        offset += size
        return value
    }

    public mutating func readVarint() throws(JournalError) -> UInt64 {
        let start = offset
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < bytes.count else {
                throw .truncated(offset: start, needed: offset - start + 1, available: bytes.count - start)
            }
            let byte = bytes[offset]
            offset += 1
            // The tenth byte may only carry the top bit of a 64-bit value.
            if shift == 63 && byte > 1 { throw .malformedVarint(offset: start) }
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
            if shift > 63 { throw .malformedVarint(offset: start) }
        }
    }

    public mutating func readSignedVarint() throws(JournalError) -> Int64 {
        let raw = try readVarint()
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    /// A length-prefixed byte string of at most `maxLength` bytes (bounds memory on bad input).
    public mutating func readBytes(maxLength: Int = .max) throws(JournalError) -> [UInt8] {
        let start = offset
        let length = try readVarint()
        guard length <= UInt64(maxLength) else {
            throw .invalidField("bytes at byte \(start)", reason: "length \(length) exceeds \(maxLength)")
        }
        let count = Int(length)
        try need(count)
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    public mutating func readString(maxLength: Int = .max) throws(JournalError) -> String {
        let start = offset
        let length = try readVarint()
        guard length <= UInt64(maxLength) else {
            throw .invalidField("string at byte \(start)", reason: "length \(length) exceeds \(maxLength)")
        }
        return try readString(count: Int(length))
    }

    /// `count` bytes of UTF-8, validated where they lie (no intermediate array).
    public mutating func readString(count: Int) throws(JournalError) -> String {
        let start = offset
        try need(count)
        let text = bytes.withUnsafeBufferPointer { buffer in
            String(validating: UnsafeBufferPointer(rebasing: buffer[start..<start + count]), as: UTF8.self)
        }
        guard let text else { throw .invalidField("string at byte \(start)", reason: "not valid UTF-8") }
        offset += count
        return text
    }

    /// A varint element count for `field`, refused when even `bytesEach` bytes per element cannot
    /// fit in what remains: a corrupt count must not make the decoder allocate gigabytes.
    public mutating func readCount(_ field: String, bytesEach: Int = 1) throws(JournalError) -> Int {
        let count = try readVarint()
        guard count <= UInt64(remaining / max(1, bytesEach)) else {
            throw .invalidField(field, reason: "\(count) elements cannot fit in \(remaining) bytes")
        }
        return Int(count)
    }

    /// Throws unless every byte was consumed: a record with leftover bytes is not what we wrote.
    public func expectEnd() throws(JournalError) {
        guard isAtEnd else { throw .trailingBytes(count: remaining) }
    }
}
