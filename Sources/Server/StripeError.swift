import Core
import Services

/// An error as Stripe's API answers it: an HTTP status and `{"error": {type, code, param,
/// message, ...}}`. The SDKs pick their exception class from the status and `type`.
public struct StripeError: Error, Sendable {
    public var status: Int
    public var type: String
    public var code: String?
    public var param: String?
    public var message: String
    public var declineCode: String?
    /// The PaymentIntent a card error is about (Stripe includes it as `payment_intent`).
    public var paymentIntent: JSON?

    public init(
        status: Int, type: String = "invalid_request_error", code: String?, param: String? = nil,
        message: String, declineCode: String? = nil, paymentIntent: JSON? = nil
    ) {
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.message = message
        self.declineCode = declineCode
        self.paymentIntent = paymentIntent
    }

    public var json: JSON {
        var fields: [(String, JSON)] = []
        if let code { fields.append(("code", .string(code))) }
        if let declineCode { fields.append(("decline_code", .string(declineCode))) }
        fields.append(("doc_url", .string("https://stripe.com/docs/error-codes/" + (code ?? type))))
        fields.append(("message", .string(message)))
        if let param { fields.append(("param", .string(param))) }
        if let paymentIntent { fields.append(("payment_intent", paymentIntent)) }
        fields.append(("type", .string(type)))
        return .object([("error", .object(fields))])
    }

    /// A restricted key asked to write: 403, which the SDKs raise as a permission error.
    static func permissionDenied(_ key: String) -> StripeError {
        StripeError(
            status: 403, code: nil,
            message:
                "The provided key 'rk_test_***\(key.suffix(4))' does not have the required permissions for "
                + "this endpoint: it may only read.")
    }

    static func unknownParameter(_ name: String) -> StripeError {
        StripeError(
            status: 400, code: "parameter_unknown", param: name,
            message: "Received unknown parameter: \(name)")
    }

    static func missing(_ name: String) -> StripeError {
        StripeError(
            status: 400, code: "parameter_missing", param: name, message: "Missing required param: \(name).")
    }

    static func invalidInteger(_ name: String, _ value: String) -> StripeError {
        StripeError(
            status: 400, code: "parameter_invalid_integer", param: name,
            message: "Invalid integer: \(value.prefix(64))")
    }

    static func invalid(_ name: String, _ message: String) -> StripeError {
        StripeError(status: 400, code: "parameter_invalid", param: name, message: message)
    }

    static func noSuch(_ object: String, _ id: String, param: String = "id") -> StripeError {
        StripeError(
            status: 404, code: "resource_missing", param: param,
            message: "No such \(object): '\(id.prefix(64))'")
    }

    static let malformedBody = StripeError(
        status: 400, code: "parameter_invalid", message: "The request body is not valid form encoding.")

    static let bodyTooLarge = StripeError(
        status: 413, code: "request_too_large", message: "The request body is larger than 1 MB.")

    static let missingKey = StripeError(
        status: 401, type: "authentication_error", code: nil,
        message:
            "You did not provide an API key. Provide it in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
    )

    static func unrecognizedURL(_ method: String, _ path: String) -> StripeError {
        StripeError(
            status: 404, code: nil, message: "Unrecognized request URL (\(method): \(path.prefix(200))).")
    }

    static func internalError(_ message: String) -> StripeError {
        StripeError(status: 500, type: "api_error", code: nil, message: message)
    }

    /// A refusal by the gateway: key, rate limit, idempotency.
    init(_ error: GatewayError) {
        switch error {
        case .authenticationFailed:
            self.init(
                status: 401, type: "authentication_error", code: "api_key_invalid",
                message: "Invalid API Key provided.")
        case .rateLimited:
            self.init(
                status: 429, type: "invalid_request_error", code: "rate_limit",
                message: "Too many requests hit the API too quickly. Retry with exponential backoff.")
        default:
            self.init(
                status: error.httpStatus, type: error.type, code: error.code, message: error.description)
        }
    }
}
