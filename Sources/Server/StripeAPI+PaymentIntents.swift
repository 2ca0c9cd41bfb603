import Core
import Services

/// `/v1/payment_intents`: create (and confirm), retrieve, list, update, confirm, capture,
/// cancel; and the customer's side of 3-D Secure.
extension StripeAPI {
    static let createParameters: Set<String> = [
        "amount", "currency", "payment_method", "payment_method_data", "payment_method_types", "confirm",
        "capture_method", "metadata", "description", "expand", "return_url", "confirmation_method",
        "automatic_payment_methods", "receipt_email", "statement_descriptor", "off_session", "use_stripe_sdk",
    ]

    func createPaymentIntent(_ request: APIRequest) async throws(StripeError) -> APIAnswer {
        let backend = backend()
        let merchant = try owner(request, backend)
        let form = request.form
        try form.onlyAllow(Self.createParameters)
        let currency = try Self.currency(form)
        guard let amount = try Self.amount(form, "amount", currency: currency) else {
            throw StripeError.missing("amount")
        }
        let captureMethod = try Self.captureMethod(form)
        if let types = form.list("payment_method_types"), types != ["card"] {
            throw StripeError.invalid(
                "payment_method_types", "Only `card` payment methods are supported here.")
        }
        let metadata = try Self.metadata(form) ?? [:]
        let description = form.string("description")
        let confirm = try form.boolean("confirm") ?? false
        let chosen = try Self.paymentMethod(form)
        if confirm && chosen == nil { throw StripeError.missing("payment_method") }
        // Without a method yet, the intent is routed as a Visa card until confirmation names one.
        let placeholder = TestPaymentMethod.named("pm_card_visa")!
        let test = chosen?.test ?? placeholder
        let method: PaymentMethod
        if let chosen { method = chosen.method } else { method = try placeholder.paymentMethod() }
        let paymentRequest = test.request(
            merchant: merchant, amount: amount, captureMethod: captureMethod, method: method)
        let created = ServerBackend.now()
        let details = IntentDetails(
            request: paymentRequest, paymentMethodID: chosen?.id, testMethod: test, metadata: metadata,
            description: description, createdUnixSeconds: created)
        // The API's details are stored as soon as the payment exists, not with the answer: the
        // payment's first events (created, and those of a confirmation) show its metadata,
        // description, capture method and creation time, as Stripe's do.
        // A create the retry resumes after a crash (the payment opened before it) has none yet:
        // the answer's rendering stores them then.
        var rendering = rendering(backend, details: { backend.store.details($0.id) == nil ? details : nil })
        rendering.opened = { record in
            backend.store.insert(details, for: record.id, merchant: record.merchant)
        }
        let response: APIResponse
        if confirm {
            response = await backend.system.createPayment(
                paymentRequest, apiKey: request.apiKey ?? "", idempotencyKey: request.idempotencyKey,
                rendering: rendering)
        } else {
            response = await backend.system.openPayment(
                paymentRequest, apiKey: request.apiKey ?? "", idempotencyKey: request.idempotencyKey,
                fingerprint: form.sortedPairs, rendering: rendering)
        }
        if confirm && !response.replayed { await disputeIfScripted(response, backend) }
        if response.replayed, response.status == 200, let id = response.paymentID,
            backend.store.details(id) == nil,
            let record = backend.system.paymentNow(id), record.merchant == merchant
        {
            return await completeInterruptedCreate(response, record, details, backend, request: request)
        }
        return await durableAnswer(response, backend, merchant: merchant, request: request)
    }

    /// A retried create whose first request the process died in after the processor journaled
    /// the payment and before the API's own record of it (metadata, description, payment
    /// method) was durable: the payment is kept, and the retry, which carries the same
    /// parameters under the same key, supplies what the API had not recorded, durable before
    /// the answer. The answer stays the replay the idempotency store holds for the key, so
    /// that every retry of it reads the same bytes.
    func completeInterruptedCreate(
        _ response: APIResponse, _ record: PaymentRecord, _ details: IntentDetails, _ backend: ServerBackend,
        request: APIRequest
    ) async -> APIAnswer {
        backend.store.note(record)
        backend.store.insert(details, for: record.id, merchant: record.merchant)
        return await backend.durable(
            Self.answer(response, idempotencyKey: request.idempotencyKey),
            backend.intentRecord(record.id).map { [$0] } ?? [])
    }

    static func captureMethod(_ form: FormParameters) throws(StripeError) -> PaymentRequest.CaptureMethod {
        switch form.string("capture_method") ?? "automatic" {
        case "automatic", "automatic_async": return .automatic
        case "manual": return .manual
        case let other:
            throw StripeError.invalid(
                "capture_method",
                "Invalid capture_method: \(other.prefix(32)); must be one of automatic, automatic_async or manual."
            )
        }
    }

    /// Stripe's dispute test cards: the bank disputes the charge once it is captured.
    func disputeIfScripted(_ response: APIResponse, _ backend: ServerBackend) async {
        guard response.isSuccess, let id = response.paymentID, let details = backend.store.details(id),
            details.testMethod.dispute != .none, backend.system.paymentNow(id)?.payment.state == .captured
        else { return }
        _ = try? await backend.system.openDispute(id, isInquiry: details.testMethod.dispute == .inquiry)
    }

    /// Synchronous (the payment's shard read under its lock), so that it can answer on the
    /// connection's event loop (`APIFastPath`).
    func retrievePaymentIntent(_ request: APIRequest, id text: String) throws(StripeError) -> APIAnswer {
        let backend = backend()
        let merchant = try admit(request, backend)
        try request.form.onlyAllow(["expand", "client_secret"])
        let id = try Self.paymentID(text)
        guard let record = backend.system.paymentNow(id), record.merchant == merchant else {
            throw StripeError.noSuch("payment_intent", text, param: "intent")
        }
        return APIAnswer(
            json: backend.store.paymentIntent(record, baseURL: backend.baseURL))
    }

    func listPaymentIntents(_ request: APIRequest) async throws(StripeError) -> APIAnswer {
        let backend = backend()
        let merchant = try admit(request, backend)
        try request.form.onlyAllow(ListPage.parameters.union(["customer"]))
        let page = try ListPage(request.form)
        let store = backend.store
        var query = PaymentIndexQuery()
        if page.emptyRange { query.statusMask = 0 } else { query.createdRange = page.createdRange }
        func position(_ text: String?, _ param: String) throws(StripeError) -> Int? {
            guard let text else { return nil }
            guard let id = try? PaymentID(parsing: text),
                let position = store.position(of: id, merchant: merchant)
            else { throw StripeError.noSuch("object", text, param: param) }
            return position
        }
        let before = try position(page.endingBefore, "ending_before")
        var after: Int?
        if before == nil { after = try position(page.startingAfter, "starting_after") }
        let (summaries, hasMore) = store.paymentIndex(of: merchant).page(
            limit: page.limit, startingAfter: after, endingBefore: before, query)
        var items: [JSON] = []
        for summary in summaries {
            if let record = backend.system.paymentNow(summary.id) {
                items.append(
                    store.paymentIntent(record, baseURL: backend.baseURL))
            }
        }
        return APIAnswer(json: StripeRenderer.list(items, hasMore: hasMore, url: "/v1/payment_intents"))
    }

    func updatePaymentIntent(_ request: APIRequest, id text: String) async throws(StripeError) -> APIAnswer {
        let backend = backend()
        let merchant = try admit(request, backend)
        try request.form.onlyAllow(["metadata", "description", "expand"])
        let id = try Self.paymentID(text)
        guard let record = await backend.system.payment(id, of: merchant) else {
            throw StripeError.noSuch("payment_intent", text, param: "intent")
        }
        let metadata = try Self.metadata(request.form)
        let description = request.form.string("description")
        backend.store.update(id) { details in
            if let metadata {
                // Stripe merges keys; an empty value removes one, `metadata=` removes all.
                if metadata.isEmpty { details.metadata = [:] }
                for (key, value) in metadata { details.metadata[key] = value.isEmpty ? nil : value }
            }
            if let description { details.description = description.isEmpty ? nil : description }
        }
        return await backend.durable(
            APIAnswer(
                json: backend.store.paymentIntent(record, baseURL: backend.baseURL)),
            backend.intentRecord(id).map { [$0] } ?? [])
    }

    func confirmPaymentIntent(_ request: APIRequest, id text: String) async throws(StripeError) -> APIAnswer {
        let backend = backend()
        let merchant = try owner(request, backend)
        try request.form.onlyAllow([
            "payment_method", "payment_method_data", "return_url", "expand", "capture_method", "off_session",
            "use_stripe_sdk", "payment_method_types",
        ])
        let id = try Self.paymentID(text)
        guard await backend.system.payment(id, of: merchant) != nil, var details = backend.store.details(id)
        else {
            throw StripeError.noSuch("payment_intent", text, param: "intent")
        }
        if let chosen = try Self.paymentMethod(request.form) {
            details.paymentMethodID = chosen.id
            details.testMethod = chosen.test
            details.request = chosen.test.request(
                merchant: merchant, amount: details.request.amount,
                captureMethod: details.request.captureMethod,
                method: chosen.method)
        }
        if request.form.string("capture_method") != nil {
            details.request.captureMethod = try Self.captureMethod(request.form)
        }
        guard details.paymentMethodID != nil else { throw StripeError.missing("payment_method") }
        let confirmed = details
        let response = await backend.system.confirmPayment(
            id, confirmed.request, apiKey: request.apiKey ?? "", idempotencyKey: request.idempotencyKey,
            fingerprint: request.form.sortedPairs, rendering: rendering(backend, details: { _ in confirmed }))
        if !response.replayed { await disputeIfScripted(response, backend) }
        return await durableAnswer(response, backend, merchant: merchant, request: request)
    }

    func capturePaymentIntent(_ request: APIRequest, id text: String) async throws(StripeError) -> APIAnswer {
        let backend = backend()
        let merchant = try owner(request, backend)
        try request.form.onlyAllow(["amount_to_capture", "expand", "metadata", "final_capture"])
        let id = try Self.paymentID(text)
        guard let record = await backend.system.payment(id, of: merchant) else {
            throw StripeError.noSuch("payment_intent", text, param: "intent")
        }
        let amount = try Self.amount(
            request.form, "amount_to_capture", currency: record.payment.amount.currency)
        let response = await backend.system.capture(
            id, amountMinorUnits: amount?.minorUnits, merchant: merchant, apiKey: request.apiKey ?? "",
            idempotencyKey: request.idempotencyKey, rendering: rendering(backend, details: { _ in nil }))
        if !response.replayed { await disputeIfScripted(response, backend) }
        return await durableAnswer(response, backend, merchant: merchant, request: request)
    }

    static let cancellationReasons: Set<String> = [
        "duplicate", "fraudulent", "requested_by_customer", "abandoned",
    ]

    func cancelPaymentIntent(_ request: APIRequest, id text: String) async throws(StripeError) -> APIAnswer {
        let backend = backend()
        let merchant = try owner(request, backend)
        try request.form.onlyAllow(["cancellation_reason", "expand"])
        let reason = request.form.string("cancellation_reason")
        if let reason, !Self.cancellationReasons.contains(reason) {
            throw StripeError.invalid(
                "cancellation_reason",
                "Invalid cancellation_reason: must be one of duplicate, fraudulent, requested_by_customer or abandoned."
            )
        }
        let id = try Self.paymentID(text)
        guard let current = await backend.system.payment(id, of: merchant) else {
            throw StripeError.noSuch("payment_intent", text, param: "intent")
        }
        if current.payment.state == .requiresAction {
            backend.timeline.record(
                .threeDSecure(.abandoned, createdUnixSeconds: ServerBackend.now()), payment: id)
        }
        let store = backend.store
        let response = await backend.system.cancel(
            id, merchant: merchant, apiKey: request.apiKey ?? "", idempotencyKey: request.idempotencyKey,
            rendering: rendering(
                backend, details: { _ in nil },
                success: { record in
                    store.update(record.id) {
                        $0.cancellationReason = reason
                        $0.canceledUnixSeconds = ServerBackend.now()
                    }
                    return store.paymentIntent(record, baseURL: backend.baseURL)
                }))
        return await durableAnswer(response, backend, merchant: merchant, request: request)
    }

    /// The customer's answer to the 3-D Secure challenge (`outcome=succeed` or `fail`): what
    /// Stripe's hosted authentication page sends. No secret key: it comes from the customer.
    func authenticate(_ request: APIRequest, id text: String) async throws(StripeError) -> APIAnswer {
        let backend = backend()
        try request.form.onlyAllow(["outcome"])
        let succeeded: Bool
        switch request.form.string("outcome") ?? "succeed" {
        case "succeed": succeeded = true
        case "fail": succeeded = false
        default: throw StripeError.invalid("outcome", "outcome must be succeed or fail.")
        }
        let id = try Self.paymentID(text)
        if backend.system.paymentNow(id)?.payment.state == .requiresAction {
            backend.timeline.record(
                .threeDSecure(succeeded ? .passed : .failed, createdUnixSeconds: ServerBackend.now()),
                payment: id)
        }
        do {
            let record = try await backend.system.completeAuthentication(id, succeeded: succeeded)
            return await backend.durable(
                APIAnswer(
                    json: backend.store.paymentIntent(record, baseURL: backend.baseURL)),
                backend.intentRecord(id).map { [$0] } ?? [])
        } catch {
            var stripe = Self.stripeError(error)
            if case .cardDeclined = error {
                stripe.code = "payment_intent_authentication_failure"
                backend.store.update(id) { $0.lastError = stripe }
            }
            if let record = backend.system.paymentNow(id) {
                stripe.paymentIntent = backend.store.paymentIntent(record, baseURL: backend.baseURL)
            }
            if backend.journal != nil {
                return await backend.durable(APIAnswer(stripe), backend.intentRecord(id).map { [$0] } ?? [])
            }
            throw stripe
        }
    }
}
