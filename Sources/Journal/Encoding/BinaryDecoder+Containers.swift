/// The containers of `BinaryDecoder`, each primitive requirement implemented directly (see
/// `BinaryEncoder+Containers`).
extension BinaryDecoder {
    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let decoder: Decoding
        var codingPath: [any CodingKey] { [] }

        /// Only an enum asks: the key of its case, which comes next.
        var allKeys: [Key] {
            let start = decoder.reader
            defer { decoder.reader = start }
            return (try? decoder.reader.readKeyCode())?.key(Key.self).map { [$0] } ?? []
        }

        func contains(_ key: Key) -> Bool { true }

        func decodeNil(forKey key: Key) throws -> Bool { try decoder.readNil() }
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decoder.reader.readBool() }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try decoder.reader.readString() }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
            Double(bitPattern: try decoder.reader.readLittleEndian())
        }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float {
            Float(bitPattern: try decoder.reader.readLittleEndian())
        }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decoder.readSigned(type) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decoder.readSigned(type) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decoder.readSigned(type) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decoder.readSigned(type) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 {
            try decoder.reader.readSignedVarint()
        }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decoder.readUnsigned(type) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decoder.readUnsigned(type) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decoder.readUnsigned(type) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decoder.readUnsigned(type) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decoder.reader.readVarint() }
        func decode<Value: Decodable>(_ type: Value.Type, forKey key: Key) throws -> Value {
            try decoder.read(type)
        }

        // The protocol's own defaults for these ask `contains` and `decodeNil`: ours read the byte.
        func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
            try decoder.readIfPresent(type)
        }
        func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
            try decoder.readIfPresent(type)
        }
        func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? {
            try decoder.readIfPresent(type)
        }
        func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? {
            try decoder.readIfPresent(type)
        }
        func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
            try decoder.readIfPresent(type)
        }
        func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? {
            try decoder.readIfPresent(type)
        }
        func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? {
            try decoder.readIfPresent(type)
        }
        func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? {
            try decoder.readIfPresent(type)
        }
        func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? {
            try decoder.readIfPresent(type)
        }
        func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? {
            try decoder.readIfPresent(type)
        }
        func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? {
            try decoder.readIfPresent(type)
        }
        func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? {
            try decoder.readIfPresent(type)
        }
        func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? {
            try decoder.readIfPresent(type)
        }
        func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? {
            try decoder.readIfPresent(type)
        }
        func decodeIfPresent<Value: Decodable>(_ type: Value.Type, forKey key: Key) throws -> Value? {
            try decoder.readIfPresent(type)
        }

        func nestedContainer<Nested: CodingKey>(
            keyedBy type: Nested.Type, forKey key: Key
        ) throws -> KeyedDecodingContainer<Nested> {
            let code = try decoder.reader.readKeyCode()
            guard code == CodingKeyCode(key) else {
                throw JournalError.invalidField("case", reason: "\(code) where \(key.stringValue) was read")
            }
            return decoder.container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try decoder.unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder { decoder }

        func superDecoder(forKey key: Key) throws -> any Decoder { decoder }
    }

    /// Three words, so that the existential holds it without a box.
    struct Unkeyed: UnkeyedDecodingContainer {
        let decoder: Decoding
        let elementCount: Int
        private(set) var currentIndex = 0
        var count: Int? { elementCount }
        var codingPath: [any CodingKey] { [] }
        var isAtEnd: Bool { currentIndex >= elementCount }

        init(decoder: Decoding, count: Int) {
            self.decoder = decoder
            self.elementCount = count
        }

        private mutating func next() throws {
            guard !isAtEnd else {
                throw JournalError.invalidField("unkeyed container", reason: "read past its end")
            }
            currentIndex += 1
        }

        /// Moves past the element only when it is nil, as the protocol asks.
        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd else {
                throw JournalError.invalidField("unkeyed container", reason: "read past its end")
            }
            guard try decoder.readNil() else { return false }
            currentIndex += 1
            return true
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
        var codingPath: [any CodingKey] { [] }

        /// A nil, or nothing consumed (see `Decoding.readNil`); the protocol gives no way to
        /// throw, so bytes that end here read as not nil, and the value's read throws.
        func decodeNil() -> Bool { (try? decoder.readNil()) ?? false }
        func decode(_ type: Bool.Type) throws -> Bool { try decoder.reader.readBool() }
        func decode(_ type: String.Type) throws -> String { try decoder.reader.readString() }
        func decode(_ type: Double.Type) throws -> Double {
            Double(bitPattern: try decoder.reader.readLittleEndian())
        }
        func decode(_ type: Float.Type) throws -> Float {
            Float(bitPattern: try decoder.reader.readLittleEndian())
        }
        func decode(_ type: Int.Type) throws -> Int { try decoder.readSigned(type) }
        func decode(_ type: Int8.Type) throws -> Int8 { try decoder.readSigned(type) }
        func decode(_ type: Int16.Type) throws -> Int16 { try decoder.readSigned(type) }
        func decode(_ type: Int32.Type) throws -> Int32 { try decoder.readSigned(type) }
        func decode(_ type: Int64.Type) throws -> Int64 { try decoder.reader.readSignedVarint() }
        func decode(_ type: UInt.Type) throws -> UInt { try decoder.readUnsigned(type) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.readUnsigned(type) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.readUnsigned(type) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.readUnsigned(type) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.reader.readVarint() }

        /// After the byte 1 that `BinaryEncoder`'s generic single-value `encode` writes.
        func decode<Value: Decodable>(_ type: Value.Type) throws -> Value {
            let start = decoder.reader.offset
            guard try decoder.reader.readUInt8() == 1 else {
                throw JournalError.invalidField("value at byte \(start)", reason: "no presence byte 1")
            }
            return try decoder.read(type)
        }
    }
}
