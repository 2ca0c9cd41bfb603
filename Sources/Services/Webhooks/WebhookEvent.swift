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
    /// The raw JSON body that is signed and sent.
    public let body: [UInt8]
    private let fields: Fields

    /// `data.object` as given: any fields, or a payment intent's four, kept as values so that
    /// an event (one per state change of every payment) builds no dictionary.
    private enum Fields: Sendable {
        case any([String: Value])
        case paymentIntent(PaymentID, Money)
    }

    /// The fields of `data.object`, e.g. `["id": .string("pi_…"), "amount": .integer(2000)]`.
    public var object: [String: Value] {
        switch fields {
        case .any(let object): object
        case .paymentIntent(let payment, let amount): Self.paymentIntentObject(payment, amount)
        }
    }

    public init(
        id: EventID, type: String, merchant: MerchantID, createdUnixSeconds: Int64,
        object: [String: Value]
    ) {
        self.id = id
        self.type = type
        self.merchant = merchant
        self.createdUnixSeconds = createdUnixSeconds
        self.fields = .any(object)
        self.body = Self.encode(id: id, type: type, merchant: merchant, created: createdUnixSeconds) { json in
            var first = true
            for name in object.keys.sorted() {
                if !first { json.append(UInt8(ascii: ",")) }
                first = false
                Self.appendQuoted(name, to: &json)
                json.append(UInt8(ascii: ":"))
                switch object[name]! {
                case .string(let text): Self.appendQuoted(text, to: &json)
                case .integer(let number): withDecimalDigits(of: number) { json.append(contentsOf: $0) }
                case .bool(let flag): Self.raw(flag ? "true" : "false", to: &json)
                case .null: Self.raw("null", to: &json)
                }
            }
        }
    }

    /// An event about a payment intent, whose `data.object` is its id, amount and currency:
    /// the same event, byte for byte, as `object: paymentIntentObject(payment, amount)` gives.
    public init(
        id: EventID, type: String, merchant: MerchantID, createdUnixSeconds: Int64,
        paymentIntent payment: PaymentID, amount: Money
    ) {
        self.id = id
        self.type = type
        self.merchant = merchant
        self.createdUnixSeconds = createdUnixSeconds
        self.fields = .paymentIntent(payment, amount)
        self.body = Self.encode(id: id, type: type, merchant: merchant, created: createdUnixSeconds) { json in
            // The keys in sorted order, as the general encoder writes them.
            Self.raw("\"amount\":", to: &json)
            withDecimalDigits(of: amount.minorUnits) { json.append(contentsOf: $0) }
            Self.raw(",\"currency\":", to: &json)
            Self.appendQuoted(amount.currency.code.lowercased(), to: &json)
            Self.raw(",\"id\":\"", to: &json)
            payment.appendDescription(to: &json)
            json.append(UInt8(ascii: "\""))
            Self.raw(",\"object\":\"payment_intent\"", to: &json)
        }
    }

    /// A payment intent's `data.object`.
    public static func paymentIntentObject(_ payment: PaymentID, _ amount: Money) -> [String: Value] {
        [
            "id": .string(payment.description), "object": .string("payment_intent"),
            "amount": .integer(amount.minorUnits), "currency": .string(amount.currency.code.lowercased()),
        ]
    }

    /// Two events are equal when they are the same event with the same bytes (the body spells
    /// out every other field).
    public static func == (lhs: WebhookEvent, rhs: WebhookEvent) -> Bool {
        lhs.id == rhs.id && lhs.body == rhs.body
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(body)
    }

    /// The body as text (for logs and tests).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    private static func raw(_ text: StaticString, to json: inout [UInt8]) {
        text.withUTF8Buffer { json.append(contentsOf: $0) }
    }

    /// Builds the body as bytes directly (one buffer, no intermediate strings): every state
    /// change of every payment makes one, so this is on the simulation's hot path.
    private static func encode(
        id: EventID, type: String, merchant: MerchantID, created: Int64, object: (inout [UInt8]) -> Void
    ) -> [UInt8] {
        var json: [UInt8] = []
        json.reserveCapacity(320)
        // Ids never need an escape: written in place, without a string each.
        raw("{\"account\":\"", to: &json)
        merchant.appendDescription(to: &json)
        json.append(UInt8(ascii: "\""))
        raw(",\"api_version\":", to: &json)
        appendQuoted(apiVersion, to: &json)
        raw(",\"created\":", to: &json)
        withDecimalDigits(of: created) { json.append(contentsOf: $0) }
        raw(",\"data\":{\"object\":{", to: &json)
        object(&json)
        raw("}},\"id\":\"", to: &json)
        id.appendDescription(to: &json)
        json.append(UInt8(ascii: "\""))
        raw(",\"livemode\":false,\"object\":\"event\",\"type\":", to: &json)
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
