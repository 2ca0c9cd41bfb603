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
        idempotencyKey: String? = nil, replayed: Bool = false
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
                        answeredUnixNanoseconds: Int64(Date().timeIntervalSince1970 * 1e9))))
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

    /// Puts the API's objects back after the processor recovered its own.
    func restore(_ fold: ServedObjectsFold) {
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
                    enabledEvents: image.enabledEvents, secret: image.secret,
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
