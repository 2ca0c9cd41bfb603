import Core
import Foundation
import HTTPTypes
import Services

/// Stripe's `/v1` API over the payment system: each handler reads and range-checks its
/// parameters, calls the system's facade and renders Stripe's objects. Payment operations go
/// through the facade's idempotency gate, so a retried request gets the first answer back.
struct StripeAPI: Sendable {
    let backend: @Sendable () -> ServerBackend

    static let replayedHeader = HTTPField.Name("Idempotent-Replayed")!
    static let idempotencyKeyHeader = HTTPField.Name("Idempotency-Key")!
    static let shouldRetryHeader = HTTPField.Name("Stripe-Should-Retry")!

    /// Stripe's largest charge in most currencies: eight digits of minor units.
    static let amountMax: Int64 = 99_999_999

    // MARK: Authentication

    /// The merchant of the presented key, spending no rate-limit token: for calls that go
    /// through the facade, which admits them.
    func owner(_ request: APIRequest, _ backend: ServerBackend) throws(StripeError) -> MerchantID {
        let (key, entry) = try usableKeyAndEntry(request, backend)
        guard APIKey.hasKeyPrefix(key),
            let merchant = backend.system.owner(of: entry.hash, hint: entry.merchant)
        else {
            throw StripeError(.authenticationFailed)
        }
        try backend.checkRestoredKey(request, merchant: merchant)
        return merchant
    }

    /// The merchant of the presented key, after its rate limit admitted the request. The key
    /// is hashed once, for the server's registry and the gateways, and the registry's owner
    /// is where the gateways look first (`PaymentSystem.owner(of:hint:)`): several SHA-256s
    /// and a dozen look-ups a request were a twentieth of the server's CPU at the peak.
    func admit(_ request: APIRequest, _ backend: ServerBackend) throws(StripeError) -> MerchantID {
        let (key, entry) = try usableKeyAndEntry(request, backend)
        do {
            return try backend.system.admit(apiKey: key, hash: entry.hash, ownerHint: entry.merchant)
        } catch {
            throw StripeError(error)
        }
    }

    /// The presented key, unless the server refuses it whatever the gateway says (a rolled key
    /// past its grace period, or a restricted key asking to write), with its hash and the
    /// merchant the server's registry holds it for.
    private func usableKeyAndEntry(
        _ request: APIRequest, _ backend: ServerBackend
    ) throws(StripeError) -> (key: String, entry: (hash: APIKeyHash, merchant: MerchantID?)) {
        guard let key = request.apiKey, !key.isEmpty else { throw StripeError.missingKey }
        let hash = APIKeyHash(of: key)
        let entry = backend.keys.entry(forHash: hash.bytes)
        if let entry, entry.isExpired(atUnixSeconds: ServerBackend.now()) {
            // The gateway forgets it now that it is seen.
            _ = backend.system.revoke(apiKey: key)
            throw StripeError(GatewayError.authenticationFailed)
        }
        if APIKeyRegistry.kind(of: key) == .restrictedRead, request.method != .get {
            throw StripeError.permissionDenied(key)
        }
        return (key, (hash, entry?.merchant))
    }

    // MARK: Parameters

    static func amount(
        _ form: FormParameters, _ name: String, currency: Currency
    ) throws(StripeError) -> Money? {
        guard let value = try form.integer(name) else { return nil }
        guard value >= 1 else {
            throw StripeError(
                status: 400, code: "amount_too_small", param: name,
                message: "Amount must be at least 1 \(currency.code.lowercased()) minor unit.")
        }
        guard value <= amountMax else {
            throw StripeError(
                status: 400, code: "amount_too_large", param: name,
                message: "Amount must be no more than \(amountMax) \(currency.code.lowercased()) minor units."
            )
        }
        return Money(minorUnits: value, currency: currency)
    }

    static func currency(_ form: FormParameters) throws(StripeError) -> Currency {
        let code = try form.requiredString("currency")
        do {
            return try Currency(code: code)
        } catch {
            throw StripeError.invalid("currency", "Invalid currency: \(code.prefix(16)).")
        }
    }

    /// Stripe limits metadata to 50 keys of up to 40 characters, values up to 500.
    static func metadata(_ form: FormParameters) throws(StripeError) -> [String: String]? {
        guard let metadata = try form.hash("metadata") else { return nil }
        guard metadata.count <= 50 else {
            throw StripeError.invalid("metadata", "Metadata can have at most 50 keys.")
        }
        for (key, value) in metadata {
            guard key.count <= 40 else {
                throw StripeError.invalid(
                    "metadata[\(key.prefix(40))]", "Metadata keys can be at most 40 characters.")
            }
            guard value.count <= 500 else {
                throw StripeError.invalid(
                    "metadata[\(key)]", "Metadata values can be at most 500 characters.")
            }
        }
        return metadata
    }

    static func paymentID(_ text: String, object: String = "payment_intent") throws(StripeError) -> PaymentID
    {
        do {
            return try PaymentID(parsing: text)
        } catch {
            throw StripeError.noSuch(object, text)
        }
    }

    /// The payment method a request names: a test method (`pm_card_visa`) or raw card data
    /// (`payment_method_data[card][number]`).
    static func paymentMethod(
        _ form: FormParameters
    ) throws(StripeError) -> (
        id: String, test: TestPaymentMethod, method: PaymentMethod
    )? {
        if let id = form.string("payment_method") {
            guard let test = TestPaymentMethod.named(id) else {
                throw StripeError.noSuch("PaymentMethod", id, param: "payment_method")
            }
            return (id, test, try test.paymentMethod())
        }
        if let number = form.string("payment_method_data[card][number]") {
            let test = TestPaymentMethod.card(number: number.filter { $0 != " " })
            let month = Int(form.string("payment_method_data[card][exp_month]") ?? "12") ?? 0
            let year = Int(form.string("payment_method_data[card][exp_year]") ?? "2034") ?? 0
            let method = try test.paymentMethod(expiryMonth: month, expiryYear: year)
            guard case .card(let card) = method else { return nil }
            return ("pm_" + card.token.dropFirst(4), test, method)
        }
        return nil
    }

    // MARK: Rendering through the facade

    /// Renders the facade's outcome for `id`'s details; a decline is recorded on the intent as
    /// its `last_payment_error` and answered as Stripe's card error.
    func rendering(
        _ backend: ServerBackend, details: @escaping @Sendable (PaymentRecord) -> IntentDetails?,
        success: (@Sendable (PaymentRecord) async -> JSON)? = nil
    ) -> APIRendering {
        APIRendering(
            success: { record in
                if let fresh = details(record) {
                    backend.store.insert(fresh, for: record.id, merchant: record.merchant)
                }
                let json =
                    await success?(record)
                    ?? backend.store.paymentIntent(record, baseURL: backend.baseURL)
                return APIResponse(status: 200, body: json.serialized)
            },
            failure: { error in
                var stripe = Self.stripeError(error)
                if case .cardDeclined(let id, _) = error, let record = backend.system.paymentNow(id) {
                    if let fresh = details(record) {
                        backend.store.insert(fresh, for: id, merchant: record.merchant)
                    }
                    backend.store.update(id) { $0.lastError = stripe }
                    if let current = backend.system.paymentNow(id) {
                        stripe.paymentIntent = backend.store.paymentIntent(current, baseURL: backend.baseURL)
                    }
                }
                return APIResponse(status: stripe.status, body: stripe.json.serialized)
            })
    }

    /// Stripe's error for a refusal of the processor's.
    static func stripeError(_ error: PaymentServiceError) -> StripeError {
        switch error {
        case .cardDeclined(_, let decline):
            return StripeError(
                status: 402, type: "card_error", code: error.code, message: Self.declineMessage(decline),
                declineCode: decline.rawValue)
        case .paymentNotFound(let id):
            return StripeError.noSuch("payment_intent", id.description, param: "intent")
        case .unexpectedState(let transition):
            return StripeError(
                status: 400, code: "payment_intent_unexpected_state", message: "\(transition)")
        default:
            return StripeError(
                status: error.httpStatus, type: error.type, code: error.code, message: error.description)
        }
    }

    static func declineMessage(_ code: DeclineCode) -> String {
        switch code {
        case .insufficientFunds: "Your card has insufficient funds."
        case .expiredCard: "Your card has expired."
        case .incorrectCVC: "Your card's security code is incorrect."
        case .processingError: "An error occurred while processing your card. Try again in a little bit."
        case .lostCard, .stolenCard, .fraudulent, .genericDecline, .doNotHonor, .pickupCard:
            "Your card was declined."
        case .authenticationRequired:
            "We are unable to authenticate your payment method. Please choose a different payment method and try again."
        default: "Your card was declined."
        }
    }

    /// The answer of a facade call about a payment, made durable first with the intent's
    /// record, `records` and the events the call emitted (see `ServerBackend.durable`).
    func durableAnswer(
        _ response: APIResponse, _ backend: ServerBackend, merchant: MerchantID, request: APIRequest,
        records: [ServerRecord] = []
    ) async -> APIAnswer {
        let answer = Self.answer(response, idempotencyKey: request.idempotencyKey)
        guard backend.journal != nil, !response.replayed else { return answer }
        var records = records
        if let id = response.paymentID, let intent = backend.intentRecord(id) {
            records.insert(intent, at: 0)
        }
        return await backend.durable(
            answer, records, merchant: merchant, idempotencyKey: request.idempotencyKey,
            parametersSHA256Hex: request.parametersSHA256Hex)
    }

    /// The answer of a facade call, with Stripe's replay header.
    static func answer(_ response: APIResponse, idempotencyKey: String?) -> APIAnswer {
        var headers: [(HTTPField.Name, String)] = []
        if let idempotencyKey {
            headers.append((idempotencyKeyHeader, idempotencyKey))
            if response.replayed { headers.append((replayedHeader, "true")) }
        }
        if response.status == 429 {
            let seconds = response.retryAfter.map { max(1, $0.components.seconds + 1) } ?? 1
            headers.append((.retryAfter, String(seconds)))
        }
        if let shouldRetry = response.shouldRetry {
            headers.append((shouldRetryHeader, shouldRetry ? "true" : "false"))
        }
        return APIAnswer(status: response.status, body: response.body, headers: headers)
    }
}
