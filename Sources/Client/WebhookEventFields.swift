/// The two fields the receiver reads of an event: its `id`, and the payment it names
/// (`data.object.payment_intent`, or `data.object.id` for a PaymentIntent itself).
///
/// Read by walking the JSON bytes once and skipping every other value, rather than building
/// Foundation's whole `[String: Any]` tree: the runner receives four events a payment, and
/// parsing each with `JSONSerialization` cost more than verifying its signature.
struct WebhookEventFields: Equatable {
    var id: String
    var payment: String?

    init(id: String, payment: String?) {
        self.id = id
        self.payment = payment
    }

    /// Nil when `body` is not a JSON object with a string `id`.
    init?(json body: [UInt8]) {
        var reader = Reader(bytes: body)
        var id: String?
        var payment: String?
        var objectID: String?
        let parsed = reader.object { reader, key in
            switch key {
            case "id":
                id = try reader.stringOrSkip()
            case "data":
                try reader.objectOrSkip { reader, key in
                    guard key == "object" else { return try reader.skipValue() }
                    try reader.objectOrSkip { reader, key in
                        switch key {
                        case "payment_intent": payment = try reader.stringOrSkip()
                        case "id": objectID = try reader.stringOrSkip()
                        default: try reader.skipValue()
                        }
                    }
                }
            default:
                try reader.skipValue()
            }
        }
        guard parsed, reader.atEndAfterWhitespace, let id else { return nil }
        self.id = id
        self.payment = payment ?? objectID
    }

    private struct Malformed: Error {}

    /// A cursor over JSON text that reads objects and strings and skips the rest.
    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        var atEndAfterWhitespace: Bool {
            mutating get {
                skipWhitespace()
                return index == bytes.count
            }
        }

        mutating func skipWhitespace() {
            while index < bytes.count,
                bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D
                    || bytes[index] == 0x09
            {
                index += 1
            }
        }

        mutating func peek() throws -> UInt8 {
            skipWhitespace()
            guard index < bytes.count else { throw Malformed() }
            return bytes[index]
        }

        mutating func expect(_ byte: UInt8) throws {
            guard try peek() == byte else { throw Malformed() }
            index += 1
        }

        /// Reads an object, calling `member` for each key with the cursor on its value (which
        /// `member` must consume); false when the text is not one well-formed object.
        mutating func object(_ member: (inout Reader, String) throws -> Void) -> Bool {
            do {
                try readObject(member)
                return true
            } catch {
                return false
            }
        }

        mutating func objectOrSkip(_ member: (inout Reader, String) throws -> Void) throws {
            if try peek() == UInt8(ascii: "{") { try readObject(member) } else { try skipValue() }
        }

        mutating func readObject(_ member: (inout Reader, String) throws -> Void) throws {
            try expect(UInt8(ascii: "{"))
            if try peek() == UInt8(ascii: "}") {
                index += 1
                return
            }
            while true {
                let key = try string()
                try expect(UInt8(ascii: ":"))
                try member(&self, key)
                switch try peek() {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "}"):
                    index += 1
                    return
                default: throw Malformed()
                }
            }
        }

        mutating func stringOrSkip() throws -> String? {
            if try peek() == UInt8(ascii: "\"") { return try string() }
            try skipValue()
            return nil
        }

        /// A string value; escapes other than `\"`, `\\`, `\/` and `\uXXXX` are refused.
        mutating func string() throws -> String {
            try expect(UInt8(ascii: "\""))
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\")
            {
                index += 1
            }
            guard index < bytes.count else { throw Malformed() }
            if bytes[index] == UInt8(ascii: "\"") {
                defer { index += 1 }
                return String(decoding: bytes[start..<index], as: UTF8.self)
            }
            var decoded = Array(bytes[start..<index])
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(decoding: decoded, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { throw Malformed() }
                    let escaped = bytes[index]
                    index += 1
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(escaped)
                    case UInt8(ascii: "n"): decoded.append(0x0A)
                    case UInt8(ascii: "r"): decoded.append(0x0D)
                    case UInt8(ascii: "t"): decoded.append(0x09)
                    case UInt8(ascii: "u"):
                        guard index + 4 <= bytes.count,
                            let value = UInt32(
                                String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16),
                            let scalar = Unicode.Scalar(value)
                        else { throw Malformed() }
                        index += 4
                        decoded.append(contentsOf: Array(String(Character(scalar)).utf8))
                    default: throw Malformed()
                    }
                default:
                    decoded.append(byte)
                }
            }
            throw Malformed()
        }

        /// Skips one value of any kind.
        mutating func skipValue() throws {
            switch try peek() {
            case UInt8(ascii: "\""): _ = try string()
            case UInt8(ascii: "{"): try readObject { reader, _ in try reader.skipValue() }
            case UInt8(ascii: "["):
                index += 1
                if try peek() == UInt8(ascii: "]") {
                    index += 1
                    return
                }
                while true {
                    try skipValue()
                    switch try peek() {
                    case UInt8(ascii: ","): index += 1
                    case UInt8(ascii: "]"):
                        index += 1
                        return
                    default: throw Malformed()
                    }
                }
            default:
                // A number or a literal: up to the next delimiter.
                let start = index
                scan: while index < bytes.count {
                    switch bytes[index] {
                    case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x0A, 0x0D, 0x09:
                        break scan
                    default: index += 1
                    }
                }
                guard index > start else { throw Malformed() }
            }
        }
    }
}
