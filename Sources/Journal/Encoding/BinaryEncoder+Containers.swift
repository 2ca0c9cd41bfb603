/// The containers of `BinaryEncoder`. Each primitive requirement is implemented directly, so that
/// a synthesized `encode(to:)` writes an `Int64` or a `String` field without the generic path.
extension BinaryEncoder {
    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let encoder: Encoding
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil(forKey key: Key) { encoder.writer.write(false) }
        mutating func encode(_ value: Bool, forKey key: Key) { encoder.writer.write(value) }
        mutating func encode(_ value: String, forKey key: Key) { encoder.writer.writeString(value) }
        mutating func encode(_ value: Double, forKey key: Key) {
            encoder.writer.writeLittleEndian(value.bitPattern)
        }
        mutating func encode(_ value: Float, forKey key: Key) {
            encoder.writer.writeLittleEndian(value.bitPattern)
        }
        mutating func encode(_ value: Int, forKey key: Key) { encoder.writer.writeSignedVarint(Int64(value)) }
        mutating func encode(_ value: Int8, forKey key: Key) {
            encoder.writer.writeSignedVarint(Int64(value))
        }
        mutating func encode(_ value: Int16, forKey key: Key) {
            encoder.writer.writeSignedVarint(Int64(value))
        }
        mutating func encode(_ value: Int32, forKey key: Key) {
            encoder.writer.writeSignedVarint(Int64(value))
        }
        mutating func encode(_ value: Int64, forKey key: Key) { encoder.writer.writeSignedVarint(value) }
        mutating func encode(_ value: UInt, forKey key: Key) { encoder.writer.writeVarint(UInt64(value)) }
        mutating func encode(_ value: UInt8, forKey key: Key) { encoder.writer.writeVarint(UInt64(value)) }
        mutating func encode(_ value: UInt16, forKey key: Key) { encoder.writer.writeVarint(UInt64(value)) }
        mutating func encode(_ value: UInt32, forKey key: Key) { encoder.writer.writeVarint(UInt64(value)) }
        mutating func encode(_ value: UInt64, forKey key: Key) { encoder.writer.writeVarint(value) }
        mutating func encode(_ value: some Encodable, forKey key: Key) throws { try encoder.write(value) }

        // The protocol's own defaults for these write nothing for nil: the presence byte is ours.
        mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
            try encoder.writeIfPresent(value)
        }
        mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
            try encoder.writeIfPresent(value)
        }
        mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws {
            try encoder.writeIfPresent(value)
        }
        mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws {
            try encoder.writeIfPresent(value)
        }
        mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
            try encoder.writeIfPresent(value)
        }
        mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws {
            try encoder.writeIfPresent(value)
        }
        mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws {
            try encoder.writeIfPresent(value)
        }
        mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws {
            try encoder.writeIfPresent(value)
        }
        mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws {
            try encoder.writeIfPresent(value)
        }
        mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws {
            try encoder.writeIfPresent(value)
        }
        mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws {
            try encoder.writeIfPresent(value)
        }
        mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws {
            try encoder.writeIfPresent(value)
        }
        mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws {
            try encoder.writeIfPresent(value)
        }
        mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws {
            try encoder.writeIfPresent(value)
        }
        mutating func encodeIfPresent(_ value: (some Encodable)?, forKey key: Key) throws {
            try encoder.writeIfPresent(value)
        }

        mutating func nestedContainer<Nested: CodingKey>(
            keyedBy keyType: Nested.Type, forKey key: Key
        ) -> KeyedEncodingContainer<Nested> {
            encoder.writeKey(key)
            return encoder.container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            encoder.unkeyedContainer()
        }

        mutating func superEncoder() -> any Encoder { encoder }

        mutating func superEncoder(forKey key: Key) -> any Encoder { encoder }
    }

    /// Three words, so that the existential holds it without a box.
    struct Unkeyed: UnkeyedEncodingContainer {
        let encoder: Encoding
        let countOffset: Int
        private(set) var count = 0
        var codingPath: [any CodingKey] { [] }

        init(encoder: Encoding, countOffset: Int) {
            self.encoder = encoder
            self.countOffset = countOffset
        }

        private mutating func counted() {
            count += 1
            encoder.writer.patchLittleEndian(UInt32(truncatingIfNeeded: count), at: countOffset)
        }

        mutating func encodeNil() throws {
            encoder.writer.write(false)
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
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil() { encoder.writer.write(false) }
        mutating func encode(_ value: Bool) { encoder.writer.write(value) }
        mutating func encode(_ value: String) { encoder.writer.writeString(value) }
        mutating func encode(_ value: Double) { encoder.writer.writeLittleEndian(value.bitPattern) }
        mutating func encode(_ value: Float) { encoder.writer.writeLittleEndian(value.bitPattern) }
        mutating func encode(_ value: Int) { encoder.writer.writeSignedVarint(Int64(value)) }
        mutating func encode(_ value: Int8) { encoder.writer.writeSignedVarint(Int64(value)) }
        mutating func encode(_ value: Int16) { encoder.writer.writeSignedVarint(Int64(value)) }
        mutating func encode(_ value: Int32) { encoder.writer.writeSignedVarint(Int64(value)) }
        mutating func encode(_ value: Int64) { encoder.writer.writeSignedVarint(value) }
        mutating func encode(_ value: UInt) { encoder.writer.writeVarint(UInt64(value)) }
        mutating func encode(_ value: UInt8) { encoder.writer.writeVarint(UInt64(value)) }
        mutating func encode(_ value: UInt16) { encoder.writer.writeVarint(UInt64(value)) }
        mutating func encode(_ value: UInt32) { encoder.writer.writeVarint(UInt64(value)) }
        mutating func encode(_ value: UInt64) { encoder.writer.writeVarint(value) }

        /// The byte 1 first: `Optional` encodes its wrapped value here, and its nil as `encodeNil`.
        mutating func encode(_ value: some Encodable) throws {
            encoder.writer.write(true)
            try encoder.write(value)
        }
    }
}
