import Core

/// Encodes a `Codable` value into a compact, positional binary form: the value's fields in the
/// order its `encode(to:)` writes them, with no field names, integers as varints. What a
/// snapshot of a fold is written with (a new field is kept without a reader and a writer of its
/// own), and the rare values a hand-written record layout leaves to `Codable`
/// (`BinaryWriter.writeCodable`): a record read by the hundred thousand is cheaper written by
/// hand, since every keyed container costs a box and its generic metadata.
///
/// Layout (the reader must be `BinaryDecoder` decoding the same type: nothing in the bytes says
/// what they are, so the caller versions them):
/// - a keyed container is its values in the order they are encoded, with no keys;
/// - integers of every width are (zigzag) varints, `Bool` a byte, `Double` and `Float` their bit
///   patterns little-endian, a string its UTF-8 length and bytes, a byte array its length and
///   bytes (element by element would cost a call per byte, and a sealed field or a nested
///   record is all bytes);
/// - an optional is a byte 0 (nil) or 1 followed by the value, whichever container holds it;
///   a value a generic single-value container encodes (how `Optional` encodes its wrapped value)
///   is that byte 1 and the value, so that the 0 of a nil is never the start of a value;
/// - a nested keyed container (how an enum names its case) is its key, then its values: a key
///   with an `intValue` of 0 or more (`enum CodingKeys: Int, CodingKey`) as the varint
///   `intValue << 1`, any other as the varint `length << 1 | 1` and its UTF-8 name;
/// - an unkeyed container is a 4-byte count, then its elements;
/// - Core's identifiers (`PaymentID`, `MerchantID`...) are their number, a `Currency` its index,
///   and Core's string-valued enums (`PaymentEventType`, `DeclineCode`, `DisputeStatus`) the
///   index of their case, each a varint: their own `Codable` writes the name JSON shows (`pi_…`,
///   `"USD"`, `"payment_intent.succeeded"`), and records name payments, currencies and events
///   everywhere;
/// - a type with a hand-written layout (a ledger `Transfer`) may write it in place
///   (`write(through:_:)`) rather than as a byte array.
///
/// Why it is built this way: every snapshot a journaled run writes and recovery reads goes
/// through it. The containers implement each primitive requirement directly, and the
/// generic paths tell the primitives apart by comparing type metadata, so that no value costs a
/// dynamic cast or a protocol-conformance lookup.
///
/// A keyed container is read in the order it was written, which synthesized conformances do; a
/// hand-written `init(from:)` must read its keys in the order its `encode(to:)` writes them. A
/// dictionary keyed by `String` or `Int` encodes through a keyed container whose keys it lists
/// when decoding, which a positional form cannot give: encode such maps as arrays
/// (`SortedByKey`).
public struct BinaryEncoder {
    public init() {}

    public func encode(_ value: some Encodable, into writer: inout BinaryWriter) throws {
        // The buffer moves into the encoder and back, so that appending never copies it.
        let encoder = Encoding(writer: BinaryWriter(capacity: 0))
        swap(&encoder.writer, &writer)
        defer { swap(&encoder.writer, &writer) }
        try encoder.write(value)
    }

    /// Runs `write` on the bytes being written when `encoder` is a `BinaryEncoder`'s, and says
    /// whether it was: how a type whose layout is hand-written (a ledger transfer) writes it in
    /// place, from its `encode(to:)`, instead of through a byte array.
    public static func write(through encoder: any Encoder, _ write: (inout BinaryWriter) -> Void) -> Bool {
        guard let encoding = encoder as? Encoding else { return false }
        write(&encoding.writer)
        return true
    }

    final class Encoding: Encoder {
        var writer: BinaryWriter
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

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

        func write<Value: Encodable>(_ value: Value) throws {
            if !writePrimitive(value) { try value.encode(to: self) }
        }

        func writeIfPresent<Value: Encodable>(_ value: Value?) throws {
            writer.write(value != nil)
            if let value { try write(value) }
        }

        /// Writes `value` if it is one of the primitives (or one of Core's identifiers) and says
        /// whether it was: the common types first, each a comparison of type metadata.
        private func writePrimitive<Value>(_ value: Value) -> Bool {
            let type = Value.self
            if type == String.self {
                writer.writeString(unsafeBitCast(value, to: String.self))
            } else if type == Int64.self {
                writer.writeSignedVarint(unsafeBitCast(value, to: Int64.self))
            } else if type == Int.self {
                writer.writeSignedVarint(Int64(unsafeBitCast(value, to: Int.self)))
            } else if type == Bool.self {
                writer.write(unsafeBitCast(value, to: Bool.self))
            } else if type == UInt64.self {
                writer.writeVarint(unsafeBitCast(value, to: UInt64.self))
            } else if ObjectIdentifier(type) == BinaryCoding.byteArrayType {
                writer.writeBytes(unsafeBitCast(value, to: [UInt8].self))
            } else if type == UInt8.self {
                writer.writeVarint(UInt64(unsafeBitCast(value, to: UInt8.self)))
            } else if type == Int32.self {
                writer.writeSignedVarint(Int64(unsafeBitCast(value, to: Int32.self)))
            } else if type == UInt32.self {
                writer.writeVarint(UInt64(unsafeBitCast(value, to: UInt32.self)))
            } else if type == UInt.self {
                writer.writeVarint(UInt64(unsafeBitCast(value, to: UInt.self)))
            } else if type == Int16.self {
                writer.writeSignedVarint(Int64(unsafeBitCast(value, to: Int16.self)))
            } else if type == UInt16.self {
                writer.writeVarint(UInt64(unsafeBitCast(value, to: UInt16.self)))
            } else if type == Int8.self {
                writer.writeSignedVarint(Int64(unsafeBitCast(value, to: Int8.self)))
            } else if type == Double.self {
                writer.writeLittleEndian(unsafeBitCast(value, to: Double.self).bitPattern)
            } else if type == Float.self {
                writer.writeLittleEndian(unsafeBitCast(value, to: Float.self).bitPattern)
            } else if BinaryCoding.identifierTypes.contains(ObjectIdentifier(type)) {
                writer.writeVarint(unsafeBitCast(value, to: PaymentID.self).rawValue)
            } else if type == Currency.self {
                writer.writeVarint(UInt64(unsafeBitCast(value, to: Currency.self).index))
            } else if type == PaymentEventType.self {
                writer.writeVarint(
                    BinaryCoding.eventTypes.index(of: unsafeBitCast(value, to: PaymentEventType.self)))
            } else if type == DeclineCode.self {
                writer.writeVarint(
                    BinaryCoding.declineCodes.index(of: unsafeBitCast(value, to: DeclineCode.self)))
            } else if type == DisputeStatus.self {
                writer.writeVarint(
                    BinaryCoding.disputeStatuses.index(of: unsafeBitCast(value, to: DisputeStatus.self)))
            } else {
                return false
            }
            return true
        }

        func writeKey(_ key: some CodingKey) {
            if let index = key.intValue, index >= 0 {
                writer.writeVarint(UInt64(index) << 1)
            } else {
                let name = key.stringValue.utf8
                writer.writeVarint(UInt64(name.count) << 1 | 1)
                writer.writeRaw(name)
            }
        }
    }
}
