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

    private static func encode(
        id: EventID, type: String, merchant: MerchantID, created: Int64, object: [String: Value]
    ) -> [UInt8] {
        var json = "{\"account\":" + quoted(merchant.description)
        json += ",\"api_version\":" + quoted(apiVersion)
        json += ",\"created\":" + String(created)
        json += ",\"data\":{\"object\":{"
        var first = true
        for name in object.keys.sorted() {
            if !first { json += "," }
            first = false
            json += quoted(name) + ":"
            switch object[name]! {
            case .string(let text): json += quoted(text)
            case .integer(let number): json += String(number)
            case .bool(let flag): json += flag ? "true" : "false"
            case .null: json += "null"
            }
        }
        json += "}},\"id\":" + quoted(id.description)
        json += ",\"livemode\":false,\"object\":\"event\",\"type\":" + quoted(type) + "}"
        return Array(json.utf8)
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
