import Core
import Ledger
import Services
import Synchronization

/// Refunds, disputes, balance, events and webhook endpoints.
extension StripeAPI {
    // MARK: Refunds

    func createRefund(_ request: APIRequest) async throws(StripeError) -> APIAnswer {
        let backend = backend()
        let merchant = try owner(request, backend)
        let form = request.form
        try form.onlyAllow(["payment_intent", "charge", "amount", "reason", "metadata", "expand"])
        let text: String
        if let intent = form.string("payment_intent") {
            text = intent
        } else if let charge = form.string("charge"), charge.hasPrefix("ch_") {
            text = "pi_" + charge.dropFirst(3)
        } else {
            throw StripeError.missing("payment_intent")
        }
        let id = try Self.paymentID(text)
        guard let record = await backend.system.payment(id, of: merchant) else {
            throw StripeError.noSuch("payment_intent", text, param: "payment_intent")
        }
        let currency = record.payment.amount.currency
        let requested = try Self.amount(form, "amount", currency: currency)
        let amount = requested?.minorUnits ?? record.payment.amountRefundableMinorUnits
        guard amount > 0 else {
            throw StripeError(
                status: 400, code: "charge_already_refunded",
                message: "Charge \(StripeRenderer.chargeID(id)) has already been refunded.")
        }
        let reason = form.string("reason")
        if let reason, !["duplicate", "fraudulent", "requested_by_customer"].contains(reason) {
            throw StripeError.invalid(
                "reason", "Invalid reason: must be one of duplicate, fraudulent or requested_by_customer.")
        }
        let metadata = try Self.metadata(form) ?? [:]
        let store = backend.store
        let created = Mutex<RefundObject?>(nil)
        let response = await backend.system.refund(
            id, amountMinorUnits: amount, merchant: merchant, apiKey: request.apiKey ?? "",
            idempotencyKey: request.idempotencyKey,
            rendering: rendering(
                backend, details: { _ in nil },
                success: { record in
                    let refund = store.addRefund(
                        payment: record.id, merchant: record.merchant,
                        amount: Money(minorUnits: amount, currency: currency),
                        created: ServerBackend.now(),
                        reason: reason, metadata: metadata)
                    created.withLock { $0 = refund }
                    return StripeRenderer.refund(refund)
                }))
        let refund = created.withLock { $0 }
        return await durableAnswer(
            response, backend, merchant: merchant, request: request,
            records: refund.map { [.refund($0, merchant: merchant)] } ?? [])
    }

    func retrieveRefund(_ request: APIRequest, id: String) async throws(StripeError) -> APIAnswer {
        let backend = backend()
        let merchant = try admit(request, backend)
        try request.form.onlyAllow(["expand"])
        guard let refund = backend.store.refund(id),
            backend.system.paymentNow(refund.payment)?.merchant == merchant
        else { throw StripeError.noSuch("refund", id) }
        return APIAnswer(json: StripeRenderer.refund(refund))
    }

    func listRefunds(_ request: APIRequest) async throws(StripeError) -> APIAnswer {
        let backend = backend()
        let merchant = try admit(request, backend)
        try request.form.onlyAllow(ListPage.parameters.union(["payment_intent", "charge"]))
        var refunds = backend.store.refunds(of: merchant)
        if let intent = request.form.string("payment_intent") {
            refunds = refunds.filter { $0.payment.description == intent }
        }
        let (items, hasMore) = try ListPage(request.form).page(
            refunds, id: \.id, created: \.createdUnixSeconds)
        return APIAnswer(
            json: StripeRenderer.list(items.map(StripeRenderer.refund), hasMore: hasMore, url: "/v1/refunds"))
    }

    // MARK: Disputes

    static func disputePaymentID(_ text: String) throws(StripeError) -> PaymentID {
        guard text.hasPrefix("dp_") else { throw StripeError.noSuch("dispute", text) }
        return try paymentID("pi_" + text.dropFirst(3), object: "dispute")
    }

    func disputeJSON(_ backend: ServerBackend, _ id: PaymentID, merchant: MerchantID) async -> JSON? {
        guard let record = await backend.system.payment(id, of: merchant) else { return nil }
        return StripeRenderer.dispute(record, createdUnixSeconds: backend.store.disputeCreated(id) ?? 0)
    }

    func retrieveDispute(_ request: APIRequest, id text: String) async throws(StripeError) -> APIAnswer {
        let backend = backend()
        let merchant = try admit(request, backend)
        try request.form.onlyAllow(["expand"])
        guard let json = await disputeJSON(backend, try Self.disputePaymentID(text), merchant: merchant)
        else {
            throw StripeError.noSuch("dispute", text)
        }
        return APIAnswer(json: json)
    }

    func listDisputes(_ request: APIRequest) async throws(StripeError) -> APIAnswer {
        let backend = backend()
        let merchant = try admit(request, backend)
        try request.form.onlyAllow(ListPage.parameters.union(["payment_intent", "charge"]))
        let (items, hasMore) = try ListPage(request.form).page(
            backend.store.disputes(of: merchant), id: { StripeRenderer.disputeID($0.0) }, created: { $0.1 })
        var data: [JSON] = []
        for (id, _) in items {
            if let json = await disputeJSON(backend, id, merchant: merchant) { data.append(json) }
        }
        return APIAnswer(json: StripeRenderer.list(data, hasMore: hasMore, url: "/v1/disputes"))
    }

    /// `POST /v1/disputes/:id` with `evidence[...]` and `submit=true` (without `submit`, the
    /// evidence is kept as a draft: nothing changes), or `/close` to accept the dispute.
    func respondToDispute(
        _ request: APIRequest, id text: String, accept: Bool
    ) async throws(StripeError) -> APIAnswer {
        let backend = backend()
        let merchant = try admit(request, backend)
        try request.form.onlyAllow(accept ? ["expand"] : ["evidence", "submit", "metadata", "expand"])
        let id = try Self.disputePaymentID(text)
        guard await disputeJSON(backend, id, merchant: merchant) != nil else {
            throw StripeError.noSuch("dispute", text)
        }
        let submit = try request.form.boolean("submit") ?? false
        if accept || submit {
            do {
                _ = try await backend.system.respondToDispute(id, merchant: merchant, accept: accept)
            } catch {
                throw Self.stripeError(error)
            }
        }
        guard let json = await disputeJSON(backend, id, merchant: merchant) else {
            throw StripeError.noSuch("dispute", text)
        }
        return await backend.durable(APIAnswer(json: json))
    }

    // MARK: Balance

    func balance(_ request: APIRequest) throws(StripeError) -> APIAnswer {
        let backend = backend()
        let merchant = try admit(request, backend)
        try request.form.onlyAllow(["expand"])
        var available: [JSON] = []
        var pending: [JSON] = []
        // Every currency's two accounts read under the shards' locks, without a hop onto them:
        // behind the bookings of the peak that hop was the slowest of the API's reads.
        let snapshots = backend.system.ledger.balancesNow(
            of: Currency.all.flatMap { [.merchantBalance(merchant, $0), .merchantPending(merchant, $0)] })
        for (index, currency) in Currency.all.enumerated() {
            let settled = snapshots[2 * index]
            let unsettled = snapshots[2 * index + 1]
            guard settled.balance != 0 || unsettled.balance != 0 || currency == backend.settlementCurrency
            else {
                continue
            }
            let code = JSON.string(currency.code.lowercased())
            available.append(.object([("amount", .integer(settled.balance)), ("currency", code)]))
            pending.append(.object([("amount", .integer(unsettled.balance)), ("currency", code)]))
        }
        return APIAnswer(
            json: .object([
                ("object", "balance"), ("available", .array(available)), ("livemode", false),
                ("pending", .array(pending)),
            ]))
    }

    // MARK: Events

    func retrieveEvent(_ request: APIRequest, id: String) async throws(StripeError) -> APIAnswer {
        let backend = backend()
        let merchant = try admit(request, backend)
        try request.form.onlyAllow(["expand"])
        guard let event = backend.store.events(of: merchant).last(where: { $0.id == id }) else {
            throw StripeError.noSuch("event", id)
        }
        return APIAnswer(json: event.json)
    }

    func listEvents(_ request: APIRequest) async throws(StripeError) -> APIAnswer {
        let backend = backend()
        let merchant = try admit(request, backend)
        try request.form.onlyAllow(ListPage.parameters.union(["type", "types", "delivery_success"]))
        var events = backend.store.events(of: merchant)
        // Stripe's filter for events whose webhooks were not all delivered: here, the events
        // with a dead-lettered delivery (the sender keeps the most recent dead letters).
        if let delivered = try request.form.boolean("delivery_success") {
            let dead = Set(backend.sender.deadLetters.map(\.eventID))
            events = events.filter { dead.contains($0.id) != delivered && $0.pendingWebhooks > 0 }
        }
        if let type = request.form.string("type") {
            // Stripe allows one `*` wildcard: `payment_intent.*`.
            if type.hasSuffix("*") {
                events = events.filter { $0.type.hasPrefix(type.dropLast()) }
            } else {
                events = events.filter { $0.type == type }
            }
        }
        if let types = request.form.list("types") { events = events.filter { types.contains($0.type) } }
        let (items, hasMore) = try ListPage(request.form).page(
            events, id: \.id, created: \.createdUnixSeconds)
        return APIAnswer(json: StripeRenderer.list(items.map(\.json), hasMore: hasMore, url: "/v1/events"))
    }

    // MARK: Webhook endpoints

    func createWebhookEndpoint(_ request: APIRequest) async throws(StripeError) -> APIAnswer {
        let backend = backend()
        let merchant = try admit(request, backend)
        let form = request.form
        try form.onlyAllow([
            "url", "enabled_events", "description", "metadata", "api_version", "connect", "expand",
        ])
        let target = try Self.endpointURL(form.requiredString("url"), param: "url")
        guard let events = form.list("enabled_events"), !events.isEmpty else {
            throw StripeError.missing("enabled_events")
        }
        return await Self.registerEndpoint(
            of: merchant, target: target, events: events, description: form.string("description"),
            metadata: try Self.metadata(form) ?? [:], backend
        ) { APIAnswer(json: StripeRenderer.webhookEndpoint($0, withSecret: true)) }
    }

    /// `url` parsed, if an endpoint may be registered at it: an `http://` URL with a host. The
    /// sender posts over plain HTTP/1.1 (a test double's endpoints are local receivers, as with
    /// Stripe's CLI forwarding), so an `https://` endpoint is refused here rather than accepted
    /// and then never reached. Not keyed yet: `registerEndpoint` keys it with the new secret.
    static func endpointURL(_ url: String, param: String) throws(StripeError) -> WebhookTarget {
        guard !url.hasPrefix("https://") else {
            throw StripeError.invalid(
                param, "Invalid URL: \(url.prefix(64)). Webhooks go over plain HTTP: use an http:// URL.")
        }
        guard url.count <= 2_048, let target = WebhookTarget(url: url, secret: "") else {
            throw StripeError.invalid(
                param, "Invalid URL: \(url.prefix(64)). URLs must begin with http:// and name a host.")
        }
        return target
    }

    /// Registers an endpoint of `merchant` at `target` (as `endpointURL` parsed it) and answers
    /// `answer(endpoint)` once it is durable; 503, and not registered, when the journal refuses
    /// it. The sender is handed the endpoint's target keyed with its secret: a load runner
    /// registers an endpoint for nearly every payment, and parsing the URL again at the first
    /// delivery was a share of the payment's cost on the server (PERFORMANCE.md).
    static func registerEndpoint(
        of merchant: MerchantID, target: WebhookTarget, events: [String], description: String?,
        metadata: [String: String], _ backend: ServerBackend,
        answer: (WebhookEndpointObject) -> APIAnswer
    ) async -> APIAnswer {
        let keyed = target.keyed(secret: Self.newSecret())
        let endpoint = backend.store.addEndpoint(
            merchant: merchant, url: keyed.url, enabledEvents: events, secret: keyed.secret,
            created: ServerBackend.now(), description: description, metadata: metadata)
        backend.sender.remember(keyed, endpointID: endpoint.id)
        // Without a journal there is nothing to make durable: the record would be encoded for
        // nobody.
        guard backend.journal != nil else { return answer(endpoint) }
        let record: ServerRecord
        do {
            record = try .endpoint(endpoint, sealing: backend.journal?.secretCipher)
        } catch {
            _ = backend.store.removeEndpoint(endpoint.id, of: merchant)
            return APIAnswer(
                StripeError(
                    status: 503, type: "api_error", code: "journal_unavailable",
                    message: "The endpoint could not be made durable; retry."))
        }
        let answer = await backend.durable(answer(endpoint), [record])
        // Not durable, so not registered: a retry registers it again, with a new secret.
        if answer.status == 503 { _ = backend.store.removeEndpoint(endpoint.id, of: merchant) }
        return answer
    }

    /// `whsec_` and 32 random base-36 digits, written as bytes: a string per digit joined was
    /// a third of registering an endpoint, which a load runner does for nearly every payment.
    static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = Array("whsec_".utf8)
        bytes.reserveCapacity(bytes.count + 32)
        // Twelve base-36 digits from each 64-bit draw (36^12 < 2^64): three draws, each a
        // system call here, instead of one a digit (32 a secret, one per onboarded merchant).
        while bytes.count < 6 + 32 {
            var draw = generator.next()
            for _ in 0..<min(12, 6 + 32 - bytes.count) {
                bytes.append(secretDigits[Int(draw % 36)])
                draw /= 36
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let secretDigits = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)

    func listWebhookEndpoints(_ request: APIRequest) async throws(StripeError) -> APIAnswer {
        let backend = backend()
        let merchant = try admit(request, backend)
        try request.form.onlyAllow(ListPage.parameters)
        let (items, hasMore) = try ListPage(request.form).page(
            backend.store.endpoints(of: merchant), id: \.id, created: \.createdUnixSeconds)
        return APIAnswer(
            json: StripeRenderer.list(
                items.map { StripeRenderer.webhookEndpoint($0, withSecret: false) }, hasMore: hasMore,
                url: "/v1/webhook_endpoints"))
    }

    func deleteWebhookEndpoint(_ request: APIRequest, id: String) async throws(StripeError) -> APIAnswer {
        let backend = backend()
        let merchant = try admit(request, backend)
        guard backend.store.removeEndpoint(id, of: merchant) else {
            throw StripeError.noSuch("webhook_endpoint", id)
        }
        return await backend.durable(
            APIAnswer(json: StripeRenderer.deleted(id, object: "webhook_endpoint")),
            [
                ServerRecord(
                    .endpointRemoved, ServerRecord.EndpointRemovedImage(id: id, merchantID: merchant.rawValue)
                )
            ])
    }
}

/// `/v1/balance_transactions`: every movement of the merchant's balance, Stripe-shaped.
extension StripeAPI {
    func listBalanceTransactions(_ request: APIRequest) async throws(StripeError) -> APIAnswer {
        let backend = backend()
        let merchant = try admit(request, backend)
        try request.form.onlyAllow(["limit", "starting_after", "expand", "type", "source"])
        var limit = 10
        if let value = try request.form.integer("limit") {
            guard (1...100).contains(value) else {
                throw StripeError.invalid(
                    "limit", "This value must be between 1 and 100 (it currently is \(value)).")
            }
            limit = Int(value)
        }
        // One more than asked tells whether there are more (the facade lists at most 100).
        let fetched = await backend.system.balanceTransactions(
            merchant: merchant, limit: min(limit + 1, 100),
            startingAfter: request.form.string("starting_after"))
        var items = fetched
        if let type = request.form.string("type") { items = items.filter { $0.type.rawValue == type } }
        if let source = request.form.string("source") { items = items.filter { $0.source == source } }
        let hasMore = items.count > limit || (limit == 100 && fetched.count == 100)
        return APIAnswer(
            json: StripeRenderer.list(
                items.prefix(limit).map(Self.balanceTransaction), hasMore: hasMore,
                url: "/v1/balance_transactions"))
    }

    static func balanceTransaction(_ transaction: BalanceTransaction) -> JSON {
        .object([
            ("id", .string(transaction.id)), ("object", "balance_transaction"),
            ("amount", .integer(transaction.amount)), ("available_on", .integer(transaction.availableOn)),
            ("created", .integer(transaction.created)), ("currency", .string(transaction.currency)),
            ("description", nil),
            // Stripe's exchange_rate is a decimal number; the processor keeps it as its exact text.
            ("exchange_rate", transaction.exchangeRate.map { .string($0) } ?? .null),
            ("fee", .integer(transaction.fee)),
            (
                "fee_details",
                .array(
                    transaction.feeDetails.map {
                        .object([
                            ("amount", .integer($0.amount)), ("application", nil),
                            ("currency", .string($0.currency)),
                            ("description", .string($0.description)), ("type", .string($0.type)),
                        ])
                    })
            ),
            ("net", .integer(transaction.net)),
            ("reporting_category", .string(transaction.reportingCategory)),
            ("source", .string(transaction.source)), ("status", "available"),
            ("type", .string(transaction.type.rawValue)),
        ])
    }
}
