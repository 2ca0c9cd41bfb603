/// A JSON value with its keys in the order they were written: Stripe's objects print `id` and
/// `object` first, and an explicit `null` for every field that has no value (the SDKs read
/// missing fields as errors, not as nil).
public indirect enum JSON: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByNilLiteral
{
    case string(String)
    case integer(Int64)
    case bool(Bool)
    case null
    case array([JSON])
    case object([(String, JSON)])
    /// JSON text already written (compact and valid), kept as its bytes and written as they
    /// are. A PaymentIntent is rendered this way (`JSONObjectWriter`): a tree of values for its
    /// two dozen fields cost an allocation per field to build and again to free, for each of a
    /// payment's answers and events, and each stored event held its tree until it was evicted.
    case raw([UInt8])

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }

    /// `value` as a string, or `null` when it is nil.
    public static func optional(_ value: String?) -> JSON { value.map { .string($0) } ?? .null }

    /// `value` as a number, or `null` when it is nil.
    public static func optional(_ value: Int64?) -> JSON { value.map { .integer($0) } ?? .null }

    /// A string-to-string map (Stripe's `metadata`), keys sorted.
    public static func dictionary(_ values: [String: String]) -> JSON {
        .object(values.keys.sorted().map { ($0, .string(values[$0]!)) })
    }

    public static func == (lhs: JSON, rhs: JSON) -> Bool { lhs.serialized == rhs.serialized }
    public func hash(into hasher: inout Hasher) { hasher.combine(serialized) }

    /// The value of `key` in an object, or nil.
    public subscript(key: String) -> JSON? {
        switch self {
        case .object(let pairs): return pairs.first { $0.0 == key }?.1
        // Parsed to be read: only the dashboard's summaries read fields of rendered objects.
        case .raw(let bytes): return JSON(parsing: String(decoding: bytes, as: UTF8.self))?[key]
        default: return nil
        }
    }

    /// The compact JSON text.
    public var serialized: String {
        String(decoding: serializedBytes, as: UTF8.self)
    }

    /// The compact JSON text as UTF-8 bytes. Written byte by byte rather than by appending to
    /// a `String`: a served payment renders its object for the answer and again for each of
    /// its events, and appending unicode scalars to a `String` was the largest single cost of
    /// a request (about a fifth of the server's CPU under load).
    public var serializedBytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1_024)
        write(to: &bytes)
        return bytes
    }

    func write(to bytes: inout [UInt8]) {
        switch self {
        case .raw(let text): bytes.append(contentsOf: text)
        case .string(let value): Self.quote(value, to: &bytes)
        case .integer(let value): Self.writeInteger(value, to: &bytes)
        case .bool(let value): bytes.append(contentsOf: value ? Self.trueBytes : Self.falseBytes)
        case .null: bytes.append(contentsOf: Self.nullBytes)
        case .array(let values):
            bytes.append(UInt8(ascii: "["))
            var first = true
            for value in values {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                value.write(to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let pairs):
            bytes.append(UInt8(ascii: "{"))
            var first = true
            for (key, value) in pairs {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                Self.quote(key, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                value.write(to: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private static let trueBytes = Array("true".utf8)
    private static let falseBytes = Array("false".utf8)
    private static let nullBytes = Array("null".utf8)
    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func writeInteger(_ value: Int64, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        // The magnitude as unsigned, so that Int64.min has one too; digits last to first.
        var magnitude = value.magnitude
        let start = bytes.count
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        bytes[start...].reverse()
    }

    /// Escapes as RFC 8259 asks, and `<`, `>` and `&` too, so that a value echoed into a page
    /// can never close a script element. Runs of bytes that need no escape are copied at once;
    /// bytes of multi-byte characters are never escaped, so they are copied as they are.
    static func quote(_ value: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var runStart = 0
            for index in utf8.indices {
                let byte = utf8[index]
                let escape: Bool
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "<"), UInt8(ascii: ">"),
                    UInt8(ascii: "&"):
                    escape = true
                default: escape = byte < 0x20
                }
                guard escape else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                runStart = index + 1
                switch byte {
                case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                default:
                    bytes.append(contentsOf: [
                        UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                        hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)],
                    ])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
