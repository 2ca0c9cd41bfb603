/// Appends a compact binary encoding to a byte array: little-endian fixed-width integers,
/// LEB128 varints (zig-zag for signed values), and length-prefixed bytes and strings.
///
/// The journal's hot path encodes every record; a plain growing `[UInt8]` with no intermediate
/// objects keeps that to a few stores per field (JSON would cost an order of magnitude more).
public struct BinaryWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var count: Int { bytes.count }

    public mutating func write(_ value: UInt8) { bytes.append(value) }

    public mutating func write(_ value: Bool) { bytes.append(value ? 1 : 0) }

    /// Any fixed-width integer, little-endian, in exactly `T.bitWidth / 8` bytes.
    public mutating func writeLittleEndian<T: FixedWidthInteger>(_ value: T) {
        var remaining = value.littleEndian
        withUnsafeBytes(of: &remaining) { bytes.append(contentsOf: $0) }
    }

    /// An unsigned LEB128 varint: 1 byte below 128, at most 10 bytes.
    public mutating func writeVarint(_ value: UInt64) {
        var remaining = value
        while remaining >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: remaining) | 0x80)
            remaining >>= 7
        }
        bytes.append(UInt8(remaining))
    }

    /// A signed value as a zig-zag varint, so that small negative amounts stay small.
    public mutating func writeSignedVarint(_ value: Int64) {
        writeVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// A varint length, then the bytes.
    public mutating func writeBytes(_ value: [UInt8]) {
        writeVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A varint length, then the UTF-8 bytes.
    public mutating func writeString(_ value: String) {
        let utf8 = value.utf8
        writeVarint(UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    /// Raw bytes, no length prefix.
    public mutating func writeRaw(_ value: some Sequence<UInt8>) {
        bytes.append(contentsOf: value)
    }
}

extension BinaryWriter {
    /// Overwrites four bytes written earlier: a count known only once what it counts is written
    /// (`BinaryEncoder`'s unkeyed containers).
    public mutating func patchLittleEndian(_ value: UInt32, at offset: Int) {
        for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
    }
}
