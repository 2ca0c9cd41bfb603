import Core
import Foundation
import Services

/// The API's objects in the journal: what each answer commits before it is sent, and how a
/// resumed server puts them back.
extension ServerBackend {
    /// Makes `records` (and the events the request emitted) durable before `answer` is sent,
    /// with the answer itself when it carries an idempotency key; a journal that refuses them
    /// turns the answer into a retryable 503 (the retry with the same key replays the work).
    /// Without a journal: `answer` as it is.
    func durable(
        _ answer: APIAnswer, _ records: [ServerRecord] = [], merchant: MerchantID? = nil,
        idempotencyKey: String? = nil, parametersSHA256Hex: String? = nil, replayed: Bool = false
    ) async -> APIAnswer {
        guard let journal else { return answer }
        var records = records
        // Only answers the idempotency store keeps (the work began): a refusal before any work
        // (a 400, a 429) lets the client fix and retry, and stores nothing.
        if let idempotencyKey, let merchant, !replayed, answer.status == 200 || answer.status == 402 {
            records.append(
                ServerRecord(
                    .answer,
                    ServerRecord.AnswerImage(
                        merchantID: merchant.rawValue, key: idempotencyKey, status: answer.status,
                        body: answer.body,
                        answeredUnixNanoseconds: Int64(Date().timeIntervalSince1970 * 1e9),
                        parametersSHA256Hex: parametersSHA256Hex)))
        }
        do {
            try await journal.commit(records)
            return answer
        } catch {
            return APIAnswer(
                StripeError(
                    status: 503, type: "api_error", code: "journal_unavailable",
                    message: "The answer could not be made durable; retry with the same Idempotency-Key."))
        }
    }

    /// The intent's record as it stands, for `durable`; nil for a payment the API holds no
    /// details of.
    func intentRecord(_ id: PaymentID) -> ServerRecord? {
        guard let details = store.details(id), let record = system.paymentNow(id) else { return nil }
        return .intent(id, details, status: record.payment.state.stripeStatus)
    }

    /// A key answered before the restart, sent again with other parameters: Stripe's
    /// `idempotency_error`, as before the restart (the processor's idempotency store restores
    /// the answer without the request it answered).
    func checkRestoredKey(_ request: APIRequest, merchant: MerchantID) throws(StripeError) {
        guard let key = request.idempotencyKey,
            let first = restoredKeys.withLock({ $0["\(merchant.rawValue)/\(key)"] })
        else { return }
        let age = Int64(Date().timeIntervalSince1970 * 1e9) - first.answeredUnixNanoseconds
        // Kept as long as the idempotency store keeps the answer: 24 hours.
        guard age < 86_400 * 1_000_000_000, first.parametersSHA256Hex != request.parametersSHA256Hex else {
            return
        }
        throw StripeError(GatewayError.idempotencyParametersMismatch)
    }

    /// Puts the API's objects back after the processor recovered its own.
    /// - Throws: an endpoint secret sealed under a key this server was not given.
    func restore(_ fold: ServedObjectsFold) throws {
        restoredKeys.withLock { keys in
            for (scoped, image) in fold.answers {
                if let digest = image.parametersSHA256Hex {
                    keys[scoped] = RestoredKey(
                        parametersSHA256Hex: digest, answeredUnixNanoseconds: image.answeredUnixNanoseconds)
                }
            }
        }
        let placeholder = TestPaymentMethod.named("pm_card_visa")!
        for paymentID in fold.intentOrder {
            let image = fold.intents[paymentID]!
            let id = PaymentID(paymentID)
            guard let record = system.paymentNow(id) else { continue }
            let test = TestPaymentMethod.named(image.testMethodID) ?? placeholder
            guard let method = try? test.paymentMethod() else { continue }
            let details = IntentDetails(
                request: test.request(
                    merchant: record.merchant, amount: record.payment.amount,
                    captureMethod: image.manualCapture ? .manual : .automatic, method: method),
                paymentMethodID: image.paymentMethodID, testMethod: test, metadata: image.metadata,
                description: image.description, createdUnixSeconds: image.createdUnixSeconds,
                cancellationReason: image.cancellationReason, canceledUnixSeconds: image.canceledUnixSeconds,
                lastError: image.lastError.map {
                    StripeError(
                        status: $0.status, type: $0.type, code: $0.code, message: $0.message,
                        declineCode: $0.declineCode)
                })
            store.note(record)
            store.insert(details, for: id, merchant: record.merchant)
        }
        for image in fold.refunds {
            guard let currency = try? Currency(code: image.currency) else { continue }
            store.restoreRefund(
                RefundObject(
                    id: image.id, payment: PaymentID(image.paymentID),
                    amount: Money(minorUnits: image.amountMinorUnits, currency: currency),
                    createdUnixSeconds: image.createdUnixSeconds, reason: image.reason,
                    metadata: image.metadata),
                merchant: MerchantID(image.merchantID))
        }
        for image in fold.disputes {
            store.noteDispute(
                PaymentID(image.paymentID), merchant: MerchantID(image.merchantID),
                created: image.createdUnixSeconds)
        }
        for image in fold.endpoints {
            store.restoreEndpoint(
                WebhookEndpointObject(
                    id: image.id, merchant: MerchantID(image.merchantID), url: image.url,
                    enabledEvents: image.enabledEvents,
                    secret: try journal?.secret(of: image) ?? image.secret,
                    createdUnixSeconds: image.createdUnixSeconds, description: image.description,
                    metadata: image.metadata))
        }
        for image in fold.events {
            guard let object = JSON(parsing: image.object) else { continue }
            store.record(
                EventObject(
                    id: image.id, type: image.type, merchant: MerchantID(image.merchantID),
                    createdUnixSeconds: image.createdUnixSeconds, object: object,
                    pendingWebhooks: image.pendingWebhooks))
        }
        for hashHex in fold.keyOrder {
            let image = fold.keyEntries[hashHex]!
            guard let hash = Self.bytes(hex: hashHex), let kind = APIKeyRegistry.Kind(rawValue: image.kind)
            else { continue }
            keys.restore(
                hash: hash,
                APIKeyRegistry.Entry(
                    id: image.id, merchant: MerchantID(image.merchantID), kind: kind, name: image.name,
                    last4: image.last4, createdUnixSeconds: image.createdUnixSeconds,
                    expiresUnixSeconds: image.expiresUnixSeconds, replacedBy: image.replacedBy))
        }
    }

    /// Sends again every delivery the journal shows owed: queued or being retried when the
    /// last life ended (a delivery settles when it is delivered or dead-lettered). At least
    /// once: one delivered just before a SIGKILL whose settling was not yet durable goes again,
    /// and the endpoint de-duplicates it by event id.
    /// - Returns: how many were sent again.
    @discardableResult
    func redeliverOwed(_ fold: ServedObjectsFold) -> Int {
        var sent = 0
        for image in fold.events {
            let merchant = MerchantID(image.merchantID)
            let endpoints = store.endpoints(of: merchant).filter { endpoint in
                // A journal written before deliveries were journaled cannot say which were
                // settled: its events are not sent again (rather than all of them).
                image.endpointIDs?.contains(endpoint.id) ?? false
            }
            let owed = endpoints.filter { !fold.settledDeliveries.contains("\(image.id)/\($0.id)") }
            guard !owed.isEmpty, let object = JSON(parsing: image.object) else { continue }
            let event = EventObject(
                id: image.id, type: image.type, merchant: merchant,
                createdUnixSeconds: image.createdUnixSeconds,
                object: object, pendingWebhooks: image.pendingWebhooks)
            let body = Array(event.json.serialized.utf8)
            for endpoint in owed {
                sender.send(
                    WebhookSender.Delivery(
                        eventID: image.id, eventType: image.type, endpointID: endpoint.id, url: endpoint.url,
                        secret: endpoint.secret, body: body))
                sent += 1
            }
        }
        return sent
    }

    /// Events the processor's journal shows emitted whose record (and deliveries) the API
    /// never made durable: the process died between a transition and the commit of the request
    /// that made it. They are recorded and sent now, with their payment as it stands.
    func emitUnrecorded(_ emitted: [PendingWebhook], recorded fold: ServedObjectsFold) async throws {
        let known = Set(fold.events.map(\.id))
        var added = 0
        for event in emitted where !known.contains(event.eventID.description) {
            Self.fanOut(
                eventID: event.eventID.description, type: event.type.rawValue, payment: event.payment,
                merchant: event.merchant, system: system, store: store, sender: sender, baseURL: baseURL,
                journal: journal)
            added += 1
        }
        if added > 0 { try await journal?.commit() }
    }

    /// `0a1b...` as bytes, or nil when it is not an even run of hex digits.
    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16)
            else {
                return nil
            }
            bytes.append(byte)
        }
        return bytes
    }
}
