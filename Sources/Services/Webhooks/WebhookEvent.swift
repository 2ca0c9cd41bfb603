import Core

/// One event as Stripe sends it to a webhook endpoint, its JSON body byte for byte the same in
/// every run with the same seed.
///
/// The body is hand-built with keys in sorted order at every level (no `JSONEncoder`, whose key
/// order is unspecified without `.sortedKeys` and whose number formatting we do not control):
/// `{"account":"acct_…","api_version":"…","created":…,"data":{"object":{…}},"id":"evt_…",
/// "livemode":false,"object":"event","type":"payment_intent.succeeded"}`. The signature covers
/// exactly these bytes.
///
/// A payment intent's event (one per state change of every payment) keeps its fields, not its
/// bytes: each delivery attempt writes the body into a stack buffer (`withBody`), which the
/// dispatcher signs and the simulated endpoint verifies. Why: kept from the event's creation to
/// its delivery, the body was an allocation for every event and a few hundred bytes for every
/// event in flight, while an event is attempted about once.
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
    private let fields: Fields

    /// `data.object` as given, with the body written once; or a payment intent's four fields,
    /// kept as values so that an event builds no dictionary and keeps no body.
    private enum Fields: Sendable {
        case any([String: Value], body: [UInt8])
        case paymentIntent(PaymentID, Money)
    }

    /// The raw JSON body that is signed and sent (written anew for a payment intent's event:
    /// `withBody` lends it without an array).
    public var body: [UInt8] {
        switch fields {
        case .any(_, let body): return body
        case .paymentIntent:
            return JSONByteWriter.bytes(countMax: bodyCountMax) { writeBody(to: &$0) }
        }
    }

    /// Calls `body` with the raw JSON body: a payment intent's event is written into a stack
    /// buffer, every other event's kept bytes are lent.
    public func withBody<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        switch fields {
        case .any(_, let bytes): return bytes.withUnsafeBufferPointer(body)
        case .paymentIntent:
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bodyCountMax) { buffer in
                var writer = JSONByteWriter(buffer)
                writeBody(to: &writer)
                return body(writer.written)
            }
        }
    }

    /// The fields of `data.object`, e.g. `["id": .string("pi_…"), "amount": .integer(2000)]`.
    public var object: [String: Value] {
        switch fields {
        case .any(let object, _): object
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
        let envelope = Self.envelopeCountMax(type: type)
        let body = JSONByteWriter.bytes(countMax: envelope + Self.objectCountMax(object)) { writer in
            Self.writeEnvelope(
                id: id, type: type, merchant: merchant, created: createdUnixSeconds, to: &writer
            ) { json in
                var first = true
                for name in object.keys.sorted() {
                    if !first { json.append(UInt8(ascii: ",")) }
                    first = false
                    json.appendQuoted(name)
                    json.append(UInt8(ascii: ":"))
                    switch object[name]! {
                    case .string(let text): json.appendQuoted(text)
                    case .integer(let number): json.append(number)
                    case .bool(let flag): json.append(flag ? "true" : "false")
                    case .null: json.append("null")
                    }
                }
            }
        }
        self.fields = .any(object, body: body)
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
    }

    /// The most bytes a payment intent's body takes (`.any` events keep theirs).
    private var bodyCountMax: Int {
        // `"amount":<Int64>,"currency":<code>,"id":"<pi>","object":"payment_intent"`
        Self.envelopeCountMax(type: type) + 9 + 20 + 12 + Self.quotedCurrencyCountMax + 8
            + JSONByteWriter.countMax(PaymentID.self) + 26
    }

    /// Writes a payment intent's body.
    private func writeBody(to writer: inout JSONByteWriter) {
        guard case .paymentIntent(let payment, let amount) = fields else { return }
        Self.writeEnvelope(
            id: id, type: type, merchant: merchant, created: createdUnixSeconds, to: &writer
        ) { json in
            // The keys in sorted order, as the general encoder writes them.
            json.append("\"amount\":")
            json.append(amount.minorUnits)
            json.append(",\"currency\":")
            Self.appendCurrency(amount.currency, to: &json)
            json.append(",\"id\":\"")
            json.append(payment)
            json.append(UInt8(ascii: "\""))
            json.append(",\"object\":\"payment_intent\"")
        }
    }

    /// Every currency's code quoted in lower case, by `Currency.index`: each payment event
    /// writes one, and `lowercased()` went through Unicode's case mapping every time.
    private static let quotedCurrencyCodes: [[UInt8]] = Currency.all.map { currency in
        quotedBytes(currency.code.lowercased())
    }

    /// The most bytes `appendCurrency` writes.
    private static let quotedCurrencyCountMax =
        Currency.all.map {
            JSONByteWriter.quotedCountMax($0.code)
        }.max() ?? 0

    /// `apiVersion` quoted once, not scanned for escapes in every body.
    private static let quotedAPIVersion = quotedBytes(apiVersion)

    private static func quotedBytes(_ text: String) -> [UInt8] {
        JSONByteWriter.bytes(countMax: JSONByteWriter.quotedCountMax(text)) { $0.appendQuoted(text) }
    }

    /// Appends `currency`'s code as `quoted(code.lowercased())` spells it.
    private static func appendCurrency(_ currency: Currency, to json: inout JSONByteWriter) {
        if quotedCurrencyCodes.indices.contains(currency.index) {
            json.append(quotedCurrencyCodes[currency.index])
        } else {
            json.appendQuoted(currency.code.lowercased())
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
        lhs.id == rhs.id && lhs.withBody { left in rhs.withBody { right in left.elementsEqual(right) } }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        withBody { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// The body as text (for logs and tests).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The most bytes the envelope around `data.object` takes for an event of `type`.
    private static func envelopeCountMax(type: String) -> Int {
        // The fixed keys and punctuation (under 128 bytes), three ids, a created time.
        128 + JSONByteWriter.countMax(MerchantID.self) + quotedAPIVersion.count + 20
            + JSONByteWriter.countMax(EventID.self) + JSONByteWriter.quotedCountMax(type)
    }

    /// The most bytes `object`'s fields take.
    private static func objectCountMax(_ object: [String: Value]) -> Int {
        object.reduce(0) { total, field in
            let value =
                switch field.value {
                case .string(let text): JSONByteWriter.quotedCountMax(text)
                case .integer: 20
                case .bool, .null: 5
                }
            return total + JSONByteWriter.quotedCountMax(field.key) + 2 + value
        }
    }

    /// Writes the envelope, `object` writing `data.object`'s fields: ids written in place,
    /// without a string each.
    private static func writeEnvelope(
        id: EventID, type: String, merchant: MerchantID, created: Int64, to json: inout JSONByteWriter,
        object: (inout JSONByteWriter) -> Void
    ) {
        json.append("{\"account\":\"")
        json.append(merchant)
        json.append(UInt8(ascii: "\""))
        json.append(",\"api_version\":")
        json.append(quotedAPIVersion)
        json.append(",\"created\":")
        json.append(created)
        json.append(",\"data\":{\"object\":{")
        object(&json)
        json.append("}},\"id\":\"")
        json.append(id)
        json.append(UInt8(ascii: "\""))
        json.append(",\"livemode\":false,\"object\":\"event\",\"type\":")
        json.appendQuoted(type)
        json.append(UInt8(ascii: "}"))
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
