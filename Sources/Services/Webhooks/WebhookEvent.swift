import Core

/// One event as Stripe sends it to a webhook endpoint, with its JSON body built once, byte for
/// byte the same in every run with the same seed.
///
/// The body is hand-built with keys in sorted order at every level (no `JSONEncoder`, whose key
/// order is unspecified without `.sortedKeys` and whose number formatting we do not control):
/// `{"account":"acct_…","api_version":"…","created":…,"data":{"object":{…}},"id":"evt_…",
/// "livemode":false,"object":"event","type":"payment_intent.succeeded"}`. The signature covers
/// exactly these bytes.
public struct WebhookEvent: Hashable, Sendable {
    /// A value in the event's `data.object`.
    public enum Value: Hashable, Sendable {
        case string(String)
        case integer(Int64)
        case bool(Bool)
        case null
    }

    /// The API version written into every event.
    public static let apiVersion = "2025-01-27.acacia"

    public let id: EventID
    /// Stripe's event type, e.g. `payment_intent.succeeded`, `charge.refunded`.
    public let type: String
    /// The merchant whose endpoint receives the event (Stripe's `account`).
    public let merchant: MerchantID
    /// Unix seconds (see `UnixClock`).
    public let createdUnixSeconds: Int64
    /// The fields of `data.object`, e.g. `["id": .string("pi_…"), "amount": .integer(2000)]`.
    public let object: [String: Value]
    /// The raw JSON body that is signed and sent.
    public let body: [UInt8]

    public init(
        id: EventID, type: String, merchant: MerchantID, createdUnixSeconds: Int64,
        object: [String: Value]
    ) {
        self.id = id
        self.type = type
        self.merchant = merchant
        self.createdUnixSeconds = createdUnixSeconds
        self.object = object
        self.body = Self.encode(
            id: id, type: type, merchant: merchant, created: createdUnixSeconds, object: object)
    }

    /// The body as text (for logs and tests).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// Builds the body as bytes directly (one buffer, no intermediate strings): every state
    /// change of every payment makes one, so this is on the simulation's hot path.
    private static func encode(
        id: EventID, type: String, merchant: MerchantID, created: Int64, object: [String: Value]
    ) -> [UInt8] {
        var json: [UInt8] = []
        json.reserveCapacity(320)
        func raw(_ text: StaticString) {
            text.withUTF8Buffer { json.append(contentsOf: $0) }
        }
        raw("{\"account\":")
        appendQuoted(merchant.description, to: &json)
        raw(",\"api_version\":")
        appendQuoted(apiVersion, to: &json)
        raw(",\"created\":")
        withDecimalDigits(of: created) { json.append(contentsOf: $0) }
        raw(",\"data\":{\"object\":{")
        var first = true
        for name in object.keys.sorted() {
            if !first { json.append(UInt8(ascii: ",")) }
            first = false
            appendQuoted(name, to: &json)
            json.append(UInt8(ascii: ":"))
            switch object[name]! {
            case .string(let text): appendQuoted(text, to: &json)
            case .integer(let number): withDecimalDigits(of: number) { json.append(contentsOf: $0) }
            case .bool(let flag): flag ? raw("true") : raw("false")
            case .null: raw("null")
            }
        }
        raw("}},\"id\":")
        appendQuoted(id.description, to: &json)
        raw(",\"livemode\":false,\"object\":\"event\",\"type\":")
        appendQuoted(type, to: &json)
        json.append(UInt8(ascii: "}"))
        return json
    }

    /// Appends `text` as a JSON string literal, with the same escapes as `quoted(_:)`.
    static func appendQuoted(_ text: String, to json: inout [UInt8]) {
        json.append(UInt8(ascii: "\""))
        // Ids, codes and types never need an escape: copied in one go.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            json.append(contentsOf: text.utf8)
            json.append(UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let digits = Array("0123456789abcdef".utf8)
                json.append(contentsOf: [
                    UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                ])
                json.append(digits[Int(byte >> 4)])
                json.append(digits[Int(byte & 0x0F)])
            default:
                // Bytes of multi-byte UTF-8 sequences are >= 0x80 and pass through unchanged.
                json.append(byte)
            }
        }
        json.append(UInt8(ascii: "\""))
    }

    /// A JSON string literal (RFC 8259 escapes; other characters are written as UTF-8).
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}
