import Core

/// What the simulated HTTP API answers: a status and a Stripe-shaped body, plus whether it was
/// replayed from the idempotency store (Stripe's `Idempotent-Replayed: true` header).
public struct APIResponse: Sendable, Hashable {
    public var status: Int
    public var body: String
    public var replayed = false

    /// The payment the response is about, when there is one: the first `"id":"…"` of the body.
    ///
    /// Scanned as bytes: every client reads it from every answer.
    public var paymentID: PaymentID? {
        var body = body
        return body.withUTF8 { bytes -> PaymentID? in
            let key = Self.idKey
            guard bytes.count > key.count else { return nil }
            var start = 0
            while start + key.count <= bytes.count {
                if bytes[start] == key[0], bytes[start..<start + key.count].elementsEqual(key) {
                    let valueStart = start + key.count
                    var end = valueStart
                    while end < bytes.count && bytes[end] != UInt8(ascii: "\"") { end += 1 }
                    let text = String(
                        decoding: UnsafeBufferPointer(rebasing: bytes[valueStart..<end]), as: UTF8.self)
                    return try? PaymentID(parsing: text)
                }
                start += 1
            }
            return nil
        }
    }

    private static let idKey: [UInt8] = Array("\"id\":\"".utf8)

    /// Stripe's error `code` (`card_declined` for most card errors), when the request failed.
    public var errorCode: String? { errorField("code") }

    /// Stripe's `decline_code` (`insufficient_funds`, `do_not_honor`, ...), when a card was
    /// declined.
    public var declineCode: String? { errorField("decline_code") }

    /// The string value of `field` in the body's `error` object.
    private func errorField(_ field: String) -> String? {
        guard let error = body.range(of: "\"error\":{"),
            let range = body[error.upperBound...].range(of: "\"\(field)\":\"")
        else { return nil }
        let rest = body[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    public var isSuccess: Bool { (200..<300).contains(status) }

    static func payment(_ record: PaymentRecord) -> APIResponse {
        let payment = record.payment
        return APIResponse(
            status: 200,
            body:
                "{\"id\":\"\(record.id)\",\"object\":\"payment_intent\",\"amount\":\(payment.amount.minorUnits),"
                + "\"amount_received\":\(payment.amountCapturedMinorUnits),"
                + "\"currency\":\"\(payment.amount.currency.code.lowercased())\","
                + "\"status\":\"\(payment.state.stripeStatus)\"}")
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

    static func error(_ error: PaymentServiceError) -> APIResponse {
        var payment: PaymentID?
        if case .cardDeclined(let id, _) = error { payment = id }
        return .error(
            status: error.httpStatus, type: error.type, code: error.code, declineCode: error.declineCode,
            message: error.description, payment: payment)
    }

    static func error(_ error: GatewayError) -> APIResponse {
        .error(status: error.httpStatus, type: error.type, code: error.code, message: error.description)
    }

    var stored: StoredResponse { StoredResponse(status: status, text: body) }

    init(status: Int, body: String, replayed: Bool = false) {
        self.status = status
        self.body = body
        self.replayed = replayed
    }

    init(_ stored: StoredResponse, replayed: Bool) {
        self.init(
            status: stored.status, body: String(decoding: stored.body, as: UTF8.self), replayed: replayed)
    }
}
