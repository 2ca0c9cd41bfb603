/// Decodes what `BinaryEncoder` wrote, as the same type: see its layout.
public struct BinaryDecoder {
    public init() {}

    /// - Throws: `JournalError` for bytes that end early or hold an impossible value,
    ///   `DecodingError` for a value its own `init(from:)` refuses.
    public func decode<Value: Decodable>(_ type: Value.Type, from reader: inout BinaryReader) throws -> Value
    {
        let decoder = Decoding(reader: reader)
        let value = try decoder.read(type)
        reader = decoder.reader
        return value
    }

    final class Decoding: Decoder {
        var reader: BinaryReader
        var codingPath: [any CodingKey] = []
        var userInfo: [CodingUserInfoKey: Any] = [:]

        init(reader: BinaryReader) { self.reader = reader }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedDecodingContainer<Key> {
            KeyedDecodingContainer(Keyed<Key>(decoder: self))
        }

        func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
            let count = try reader.readLittleEndian(UInt32.self)
            guard count <= reader.remaining else {
                throw JournalError.invalidField("unkeyed container", reason: "\(count) elements")
            }
            return Unkeyed(decoder: self, count: Int(count))
        }

        func singleValueContainer() -> any SingleValueDecodingContainer { Single(decoder: self) }

        func read<Value: Decodable>(_ type: Value.Type) throws -> Value {
            if let optional = type as? any OptionalDecoding.Type {
                return try optional.decode(from: self) as! Value
            }
            switch type {
            case is Bool.Type: return try reader.readBool() as! Value
            case is String.Type: return try reader.readString() as! Value
            case is [UInt8].Type: return try reader.readBytes() as! Value
            case is Double.Type: return Double(bitPattern: try reader.readLittleEndian()) as! Value
            case is Float.Type: return Float(bitPattern: try reader.readLittleEndian()) as! Value
            case let signed as any (FixedWidthInteger & SignedInteger).Type:
                return try integer(signed, try reader.readSignedVarint()) as! Value
            case let unsigned as any (FixedWidthInteger & UnsignedInteger).Type:
                return try integer(unsigned, try reader.readVarint()) as! Value
            default: return try Value(from: self)
            }
        }

        private func integer<Wide: BinaryInteger, Narrow: FixedWidthInteger>(
            _ type: Narrow.Type, _ value: Wide
        ) throws -> Narrow {
            guard let narrow = Narrow(exactly: value) else {
                throw JournalError.invalidField("\(Narrow.self)", reason: "\(value) out of range")
            }
            return narrow
        }
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let decoder: Decoding
        var codingPath: [any CodingKey] { decoder.codingPath }

        /// Only an enum asks: the name of its case, which comes next.
        var allKeys: [Key] {
            var peek = decoder.reader
            return (try? peek.readString(maxLength: 256)).flatMap { Key(stringValue: $0) }.map { [$0] } ?? []
        }

        func contains(_ key: Key) -> Bool { true }

        func decodeNil(forKey key: Key) throws -> Bool { try decoder.reader.readUInt8() == 0 }

        func decode<Value: Decodable>(_ type: Value.Type, forKey key: Key) throws -> Value {
            try decoder.read(type)
        }

        func decodeIfPresent<Value: Decodable>(_ type: Value.Type, forKey key: Key) throws -> Value? {
            try decoder.read(Value?.self)
        }

        // The protocol's own defaults for these ask `contains` and `decodeNil`: ours read the byte.
        func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
            try decoder.read(Bool?.self)
        }
        func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
            try decoder.read(String?.self)
        }
        func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? {
            try decoder.read(Double?.self)
        }
        func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? {
            try decoder.read(Float?.self)
        }
        func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try decoder.read(Int?.self) }
        func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? {
            try decoder.read(Int8?.self)
        }
        func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? {
            try decoder.read(Int16?.self)
        }
        func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? {
            try decoder.read(Int32?.self)
        }
        func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? {
            try decoder.read(Int64?.self)
        }
        func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? {
            try decoder.read(UInt?.self)
        }
        func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? {
            try decoder.read(UInt8?.self)
        }
        func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? {
            try decoder.read(UInt16?.self)
        }
        func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? {
            try decoder.read(UInt32?.self)
        }
        func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? {
            try decoder.read(UInt64?.self)
        }

        func nestedContainer<Nested: CodingKey>(
            keyedBy type: Nested.Type, forKey key: Key
        ) throws -> KeyedDecodingContainer<Nested> {
            let name = try decoder.reader.readString(maxLength: 256)
            guard name == key.stringValue else {
                throw JournalError.invalidField("case", reason: "\(name) where \(key.stringValue) was read")
            }
            return decoder.container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try decoder.unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder { decoder }

        func superDecoder(forKey key: Key) throws -> any Decoder { decoder }
    }

    struct Unkeyed: UnkeyedDecodingContainer {
        let decoder: Decoding
        let count: Int?
        private(set) var currentIndex = 0
        var codingPath: [any CodingKey] { decoder.codingPath }
        var isAtEnd: Bool { currentIndex >= count ?? 0 }

        init(decoder: Decoding, count: Int) {
            self.decoder = decoder
            self.count = count
        }

        private mutating func next() throws {
            guard !isAtEnd else {
                throw JournalError.invalidField("unkeyed container", reason: "read past its end")
            }
            currentIndex += 1
        }

        mutating func decodeNil() throws -> Bool {
            try next()
            return try decoder.reader.readUInt8() == 0
        }

        mutating func decode<Value: Decodable>(_ type: Value.Type) throws -> Value {
            try next()
            return try decoder.read(type)
        }

        mutating func nestedContainer<Nested: CodingKey>(
            keyedBy type: Nested.Type
        ) throws -> KeyedDecodingContainer<Nested> {
            try next()
            return decoder.container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            try next()
            return try decoder.unkeyedContainer()
        }

        mutating func superDecoder() throws -> any Decoder {
            try next()
            return decoder
        }
    }

    struct Single: SingleValueDecodingContainer {
        let decoder: Decoding
        var codingPath: [any CodingKey] { decoder.codingPath }

        func decodeNil() -> Bool { (try? decoder.reader.readUInt8()) == 0 }

        func decode<Value: Decodable>(_ type: Value.Type) throws -> Value { try decoder.read(type) }
    }
}

/// How `BinaryDecoder` reads an optional: the presence byte `BinaryEncoder` wrote, then the value.
protocol OptionalDecoding {
    static func decode(from decoder: BinaryDecoder.Decoding) throws -> Self
}

extension Optional: OptionalDecoding where Wrapped: Decodable {
    static func decode(from decoder: BinaryDecoder.Decoding) throws -> Self {
        try decoder.reader.readBool() ? try decoder.read(Wrapped.self) : nil
    }
}
