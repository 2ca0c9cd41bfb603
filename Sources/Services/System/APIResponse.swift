import Core

/// What the simulated HTTP API answers: a status and a Stripe-shaped body, plus whether it was
/// replayed from the idempotency store (Stripe's `Idempotent-Replayed: true` header).
public struct APIResponse: Sendable, Hashable {
    public var status: Int
    public var body: String
    public var replayed = false
    /// Stripe's `Retry-After` header: how long a refused client should wait (429).
    public var retryAfter: Duration?
    /// Stripe's `Stripe-Should-Retry` header, when the API advises for or against a retry.
    public var shouldRetry: Bool?

    /// The payment the response is about, when there is one: the first `"id":"…"` of the body.
    ///
    /// Scanned as bytes: every client reads it from every answer.
    public var paymentID: PaymentID? {
        var body = body
        return body.withUTF8 { bytes -> PaymentID? in
            guard let value = Self.stringValue(of: Self.idKey, in: bytes, from: 0) else { return nil }
            let text = UnsafeBufferPointer(rebasing: bytes[value])
            // Read from the bytes when they are a plain id (every answer of ours): the string
            // made for the parser was an allocation each time a client read the id.
            if let id = PaymentID(plainUTF8: text) { return id }
            return try? PaymentID(parsing: String(decoding: text, as: UTF8.self))
        }
    }

    private static let idKey: [UInt8] = Array("\"id\":\"".utf8)
    private static let errorKey: [UInt8] = Array("\"error\":{".utf8)
    private static let codeKey: [UInt8] = Array("\"code\":\"".utf8)
    private static let declineCodeKey: [UInt8] = Array("\"decline_code\":\"".utf8)

    /// Stripe's error `code` (`card_declined` for most card errors), when the request failed.
    public var errorCode: String? { errorField(Self.codeKey) }

    /// Stripe's `decline_code` (`insufficient_funds`, `do_not_honor`, ...), when a card was
    /// declined.
    public var declineCode: String? { errorField(Self.declineCodeKey) }

    /// The string value of the field `key` names (`"name":"`) in the body's `error` object.
    ///
    /// Scanned as bytes, as `paymentID` is: a client reads it from every declined answer, and
    /// `String.range(of:)` goes through Foundation.
    private func errorField(_ key: [UInt8]) -> String? {
        var body = body
        return body.withUTF8 { bytes -> String? in
            guard let error = Self.end(of: Self.errorKey, in: bytes, from: 0),
                let value = Self.stringValue(of: key, in: bytes, from: error)
            else { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[value]), as: UTF8.self)
        }
    }

    /// Where the first `key` at or after `start` ends, or nil.
    private static func end(of key: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let first = key.first, bytes.count >= key.count else { return nil }
        var index = start
        while index + key.count <= bytes.count {
            if bytes[index] == first, bytes[index..<index + key.count].elementsEqual(key) {
                return index + key.count
            }
            index += 1
        }
        return nil
    }

    /// The bytes of the string value that follows the first `key` (ending in an opening quote)
    /// at or after `start`, up to its closing quote, or nil.
    private static func stringValue(
        of key: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, from start: Int
    ) -> Range<Int>? {
        guard let valueStart = end(of: key, in: bytes, from: start) else { return nil }
        var end = valueStart
        while end < bytes.count && bytes[end] != UInt8(ascii: "\"") { end += 1 }
        guard end < bytes.count else { return nil }
        return valueStart..<end
    }

    public var isSuccess: Bool { (200..<300).contains(status) }

    static func payment(_ record: PaymentRecord) -> APIResponse {
        let payment = record.payment
        return APIResponse(
            status: 200,
            body: paymentBody(
                id: record.id, amount: payment.amount.minorUnits, received: payment.amountCapturedMinorUnits,
                currency: payment.amount.currency, state: payment.state))
    }

    /// A payment intent's body, the same bytes for a live answer and one rebuilt from the
    /// journal. Appended to one buffer sized for it: every call answers with one, and joining
    /// the pieces with `+` allocated a string for each.
    static func paymentBody(
        id: PaymentID, amount: Int64, received: Int64, currency: Currency, state: PaymentState
    ) -> String {
        var body = ""
        body.reserveCapacity(192)
        body += "{\"id\":\""
        body += id.description
        body += "\",\"object\":\"payment_intent\",\"amount\":"
        body += String(amount)
        body += ",\"amount_received\":"
        body += String(received)
        body += ",\"currency\":\""
        body += currency.code.lowercased()
        body += "\",\"status\":\""
        body += state.stripeStatus
        body += "\"}"
        return body
    }

    static func error(
        status: Int, type: String, code: String, declineCode: DeclineCode? = nil, message: String,
        payment: PaymentID? = nil
    ) -> APIResponse {
        var escaped = ""
        for character in message {
            if character == "\"" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        let paymentField = payment.map { "\"id\":\"\($0)\"," } ?? ""
        return APIResponse(
            status: status,
            body:
                "{\(paymentField)\"error\":{\"type\":\"\(type)\",\"code\":\"\(code)\","
                + (declineCode.map { "\"decline_code\":\"\($0.rawValue)\"," } ?? "")
                + "\"message\":\"\(escaped)\"}}"
        )
    }

    public static func error(_ error: PaymentServiceError) -> APIResponse {
        var payment: PaymentID?
        if case .cardDeclined(let id, _) = error { payment = id }
        return .error(
            status: error.httpStatus, type: error.type, code: error.code, declineCode: error.declineCode,
            message: error.description, payment: payment)
    }

    public static func error(_ error: GatewayError) -> APIResponse {
        var response = APIResponse.error(
            status: error.httpStatus, type: error.type, code: error.code, message: error.description)
        switch error {
        case .rateLimited(let retryAfter), .overloaded(_, let retryAfter): response.retryAfter = retryAfter
        default: break
        }
        return response
    }

    var stored: StoredResponse { StoredResponse(status: status, text: body) }

    public init(status: Int, body: String, replayed: Bool = false) {
        self.status = status
        self.body = body
        self.replayed = replayed
    }

    init(_ stored: StoredResponse, replayed: Bool) {
        self.init(
            status: stored.status, body: String(decoding: stored.body, as: UTF8.self), replayed: replayed)
    }
}
