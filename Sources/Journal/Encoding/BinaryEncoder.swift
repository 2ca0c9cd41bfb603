/// Encodes a `Codable` value into a compact, positional binary form: the value's fields in the
/// order its `encode(to:)` writes them, with no field names, integers as varints. What a
/// snapshot of a fold is written with, so that a new field of the fold is in the snapshot
/// without a reader and a writer of its own.
///
/// Layout: a keyed container is its values in the order they are encoded (an optional, a byte
/// 0 or 1 first); a nested keyed container (how an enum names its
/// case) is its key's name, then its values; an unkeyed container is a 4-byte count, then its
/// elements, except a byte array: its length and bytes, like a string (element by element
/// costs a dynamic cast per byte, and a sealed field or a nested record is all bytes); integers
/// are (zigzag) varints, a string is its UTF-8 length and bytes. The reader
/// must be `BinaryDecoder` decoding the same type: nothing in the bytes says what they are, so
/// the caller versions them. A keyed container is read in the order it was written, which
/// synthesized conformances do; a hand-written `init(from:)` must read its keys in the order
/// its `encode(to:)` writes them.
///
/// A dictionary keyed by `String` or `Int` encodes through a keyed container whose keys it
/// lists when decoding, which a positional form cannot give: encode such maps as arrays
/// (`SortedByKey`).
public struct BinaryEncoder {
    public init() {}

    public func encode(_ value: some Encodable, into writer: inout BinaryWriter) throws {
        let encoder = Encoding(writer: writer)
        try value.encode(to: encoder)
        writer = encoder.writer
    }

    final class Encoding: Encoder {
        var writer: BinaryWriter
        var codingPath: [any CodingKey] = []
        var userInfo: [CodingUserInfoKey: Any] = [:]

        init(writer: BinaryWriter) { self.writer = writer }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            KeyedEncodingContainer(Keyed<Key>(encoder: self))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            let offset = writer.count
            writer.writeLittleEndian(UInt32(0))
            return Unkeyed(encoder: self, countOffset: offset)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer { Single(encoder: self) }

        func write(_ value: some Encodable) throws {
            // By type: an empty array of any element type casts to `[UInt8]`.
            if type(of: value) == [UInt8].self, let bytes = value as? [UInt8] {
                return writer.writeBytes(bytes)
            }
            switch value {
            case let value as any OptionalCoding:
                writer.write(value.wrappedValue != nil)
                if let wrapped = value.wrappedValue { try write(wrapped) }
            case let value as Bool: writer.write(value)
            case let value as String: writer.writeString(value)
            case let value as Double: writer.writeLittleEndian(value.bitPattern)
            case let value as Float: writer.writeLittleEndian(value.bitPattern)
            case let value as any FixedWidthInteger & SignedInteger: writer.writeSignedVarint(Int64(value))
            case let value as any FixedWidthInteger & UnsignedInteger: writer.writeVarint(UInt64(value))
            default: try value.encode(to: self)
            }
        }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let encoder: Encoding
        var codingPath: [any CodingKey] { encoder.codingPath }

        mutating func encodeNil(forKey key: Key) { encoder.writer.write(UInt8(0)) }

        mutating func encode(_ value: some Encodable, forKey key: Key) throws { try encoder.write(value) }

        mutating func encodeIfPresent(_ value: (some Encodable)?, forKey key: Key) throws {
            try encoder.write(value)
        }

        // The protocol's own defaults for these write nothing for nil: the presence byte is ours.
        mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try encoder.write(value) }
        mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try encoder.write(value) }
        mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try encoder.write(value) }
        mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try encoder.write(value) }
        mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try encoder.write(value) }
        mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try encoder.write(value) }
        mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try encoder.write(value) }
        mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try encoder.write(value) }
        mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try encoder.write(value) }
        mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try encoder.write(value) }
        mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try encoder.write(value) }
        mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try encoder.write(value) }
        mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try encoder.write(value) }
        mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try encoder.write(value) }

        mutating func nestedContainer<Nested: CodingKey>(
            keyedBy keyType: Nested.Type, forKey key: Key
        ) -> KeyedEncodingContainer<Nested> {
            encoder.writer.writeString(key.stringValue)
            return encoder.container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            encoder.unkeyedContainer()
        }

        mutating func superEncoder() -> any Encoder { encoder }

        mutating func superEncoder(forKey key: Key) -> any Encoder { encoder }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let encoder: Encoding
        let countOffset: Int
        private(set) var count = 0
        var codingPath: [any CodingKey] { encoder.codingPath }

        init(encoder: Encoding, countOffset: Int) {
            self.encoder = encoder
            self.countOffset = countOffset
        }

        private mutating func counted() {
            count += 1
            encoder.writer.patchLittleEndian(UInt32(count), at: countOffset)
        }

        mutating func encodeNil() throws {
            encoder.writer.write(UInt8(0))
            counted()
        }

        mutating func encode(_ value: some Encodable) throws {
            try encoder.write(value)
            counted()
        }

        mutating func nestedContainer<Nested: CodingKey>(
            keyedBy keyType: Nested.Type
        ) -> KeyedEncodingContainer<Nested> {
            counted()
            return encoder.container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            counted()
            return encoder.unkeyedContainer()
        }

        mutating func superEncoder() -> any Encoder {
            counted()
            return encoder
        }
    }

    struct Single: SingleValueEncodingContainer {
        let encoder: Encoding
        var codingPath: [any CodingKey] { encoder.codingPath }

        mutating func encodeNil() throws { encoder.writer.write(UInt8(0)) }

        mutating func encode(_ value: some Encodable) throws { try encoder.write(value) }
    }
}

/// An optional, whichever container it is encoded in: a presence byte, then the value.
protocol OptionalCoding {
    var wrappedValue: (any Encodable)? { get }
}

extension Optional: OptionalCoding where Wrapped: Encodable {
    var wrappedValue: (any Encodable)? { self }
}
