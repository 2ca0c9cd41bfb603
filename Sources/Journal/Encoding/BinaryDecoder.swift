import Core

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

    /// Runs `read` on the bytes being read when `decoder` is a `BinaryDecoder`'s, or returns nil:
    /// the reading side of `BinaryEncoder.write(through:_:)`.
    public static func read<Value>(
        through decoder: any Decoder, _ read: (inout BinaryReader) throws -> Value
    ) throws -> Value? {
        guard let decoding = decoder as? Decoding else { return nil }
        return try read(&decoding.reader)
    }

    final class Decoding: Decoder {
        var reader: BinaryReader
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

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
            if let value = try readPrimitive(type) { return value }
            return try Value(from: self)
        }

        func readIfPresent<Value: Decodable>(_ type: Value.Type) throws -> Value? {
            try reader.readBool() ? try read(type) : nil
        }

        /// A nil (the byte 0, consumed) or not (nothing consumed: the value's presence byte comes
        /// next, as `BinaryEncoder` writes an optional's wrapped value).
        func readNil() throws -> Bool {
            var peek = reader
            guard try peek.readUInt8() == 0 else { return false }
            reader = peek
            return true
        }

        /// The value if `Value` is one of the primitives (or one of Core's identifiers), or nil:
        /// the common types first, each a comparison of type metadata.
        private func readPrimitive<Value>(_ type: Value.Type) throws -> Value? {
            if type == String.self { return unsafeBitCast(try reader.readString(), to: Value.self) }
            if type == Int64.self { return unsafeBitCast(try reader.readSignedVarint(), to: Value.self) }
            if type == Int.self { return unsafeBitCast(try readSigned(Int.self), to: Value.self) }
            if type == Bool.self { return unsafeBitCast(try reader.readBool(), to: Value.self) }
            if type == UInt64.self { return unsafeBitCast(try reader.readVarint(), to: Value.self) }
            if ObjectIdentifier(type) == BinaryCoding.byteArrayType {
                return unsafeBitCast(try reader.readBytes(), to: Value.self)
            }
            if type == UInt8.self { return unsafeBitCast(try readUnsigned(UInt8.self), to: Value.self) }
            if type == Int32.self { return unsafeBitCast(try readSigned(Int32.self), to: Value.self) }
            if type == UInt32.self { return unsafeBitCast(try readUnsigned(UInt32.self), to: Value.self) }
            if type == UInt.self { return unsafeBitCast(try readUnsigned(UInt.self), to: Value.self) }
            if type == Int16.self { return unsafeBitCast(try readSigned(Int16.self), to: Value.self) }
            if type == UInt16.self { return unsafeBitCast(try readUnsigned(UInt16.self), to: Value.self) }
            if type == Int8.self { return unsafeBitCast(try readSigned(Int8.self), to: Value.self) }
            if type == Double.self {
                return unsafeBitCast(Double(bitPattern: try reader.readLittleEndian()), to: Value.self)
            }
            if type == Float.self {
                return unsafeBitCast(Float(bitPattern: try reader.readLittleEndian()), to: Value.self)
            }
            if BinaryCoding.identifierTypes.contains(ObjectIdentifier(type)) {
                return unsafeBitCast(PaymentID(try reader.readVarint()), to: Value.self)
            }
            if type == Currency.self {
                return unsafeBitCast(try BinaryCoding.currencies.value(from: &reader), to: Value.self)
            }
            if type == PaymentEventType.self {
                return unsafeBitCast(try BinaryCoding.eventTypes.value(from: &reader), to: Value.self)
            }
            if type == DeclineCode.self {
                return unsafeBitCast(try BinaryCoding.declineCodes.value(from: &reader), to: Value.self)
            }
            if type == DisputeStatus.self {
                return unsafeBitCast(try BinaryCoding.disputeStatuses.value(from: &reader), to: Value.self)
            }
            return nil
        }

        func readSigned<Narrow: FixedWidthInteger & SignedInteger>(_ type: Narrow.Type) throws -> Narrow {
            let value = try reader.readSignedVarint()
            guard let narrow = Narrow(exactly: value) else {
                throw JournalError.invalidField("\(Narrow.self)", reason: "\(value) out of range")
            }
            return narrow
        }

        func readUnsigned<Narrow: FixedWidthInteger & UnsignedInteger>(_ type: Narrow.Type) throws -> Narrow {
            let value = try reader.readVarint()
            guard let narrow = Narrow(exactly: value) else {
                throw JournalError.invalidField("\(Narrow.self)", reason: "\(value) out of range")
            }
            return narrow
        }
    }
}

/// A key as `BinaryEncoder.Encoding.writeKey` wrote it: its `intValue` or its name.
enum CodingKeyCode: Equatable {
    case index(Int)
    case name(String)

    init(_ key: some CodingKey) {
        if let index = key.intValue, index >= 0 {
            self = .index(index)
        } else {
            self = .name(key.stringValue)
        }
    }

    func key<Key: CodingKey>(_ type: Key.Type) -> Key? {
        switch self {
        case .index(let index): Key(intValue: index)
        case .name(let name): Key(stringValue: name)
        }
    }
}

extension BinaryReader {
    mutating func readKeyCode() throws(JournalError) -> CodingKeyCode {
        let start = offset
        let tag = try readVarint()
        guard tag & 1 == 1 else { return .index(Int(tag >> 1)) }
        let length = tag >> 1
        guard length <= 256 else {
            throw .invalidField("key at byte \(start)", reason: "length \(length) exceeds 256")
        }
        return .name(try readString(count: Int(length)))
    }
}
