import Core
import Foundation
import Journal
import Services

/// The images a `ServerRecord` carries: each the whole object as it stands after a change, so
/// that the latest image of an object is the object (recovery keeps the last one per id).
extension ServerRecord {
    /// What the server knows of a key besides the gateway's hash (`APIKeyRegistry.Entry`),
    /// found again by the secret's SHA-256 (hex); the secret itself is never journaled.
    struct KeyEntryImage: Codable, Sendable {
        var hashHex: String
        var id: String
        var merchantID: UInt64
        var kind: String
        var name: String
        var last4: String
        var createdUnixSeconds: Int64
        var expiresUnixSeconds: Int64?
        var replacedBy: String?
    }

    static func keyEntry(hash: [UInt8], _ entry: APIKeyRegistry.Entry) -> ServerRecord {
        ServerRecord(
            .keyEntry,
            KeyEntryImage(
                hashHex: hash.map { String(format: "%02x", $0) }.joined(), id: entry.id,
                merchantID: entry.merchant.rawValue, kind: entry.kind.rawValue, name: entry.name,
                last4: entry.last4, createdUnixSeconds: entry.createdUnixSeconds,
                expiresUnixSeconds: entry.expiresUnixSeconds, replacedBy: entry.replacedBy))
    }

    /// A PaymentIntent's own fields. The processor's record (amounts, state) is journaled by
    /// the processor; the card is named by its test method's id, never by its number.
    struct IntentImage: Codable, Sendable {
        var paymentID: UInt64
        var merchantID: UInt64
        var paymentMethodID: String?
        var testMethodID: String
        var manualCapture: Bool
        var metadata: [String: String]
        var description: String?
        var createdUnixSeconds: Int64
        var cancellationReason: String?
        var canceledUnixSeconds: Int64?
        var lastError: ErrorImage?
        /// The status the client was told in the answer this record precedes.
        var status: String
    }

    struct ErrorImage: Codable, Sendable {
        var status: Int
        var type: String
        var code: String?
        var message: String
        var declineCode: String?
    }

    struct RefundImage: Codable, Sendable {
        var id: String
        var paymentID: UInt64
        var merchantID: UInt64
        var amountMinorUnits: Int64
        var currency: String
        var createdUnixSeconds: Int64
        var reason: String?
        var metadata: [String: String]
    }

    struct DisputeImage: Codable, Sendable {
        var paymentID: UInt64
        var merchantID: UInt64
        var createdUnixSeconds: Int64
    }

    struct EndpointImage: Codable, Sendable {
        var id: String
        var merchantID: UInt64
        var url: String
        var enabledEvents: [String]
        /// The signing secret in plain text, or "" when `sealedSecret` holds it.
        var secret: String
        /// The secret sealed with the journal's key (AES-256-GCM, base64), when the server
        /// has one (`--journal-key`).
        var sealedSecret: String?
        var createdUnixSeconds: Int64
        var description: String?
        var metadata: [String: String]
    }

    struct EndpointRemovedImage: Codable, Sendable {
        var id: String
        var merchantID: UInt64
    }

    /// An event with its object as it stood, as the JSON text `/v1/events` answers.
    struct EventImage: Codable, Sendable {
        var id: String
        var type: String
        var merchantID: UInt64
        var createdUnixSeconds: Int64
        var object: String
        var pendingWebhooks: Int
        /// The endpoints it was owed to when it was emitted (nil in journals written before
        /// deliveries were journaled: none is sent again).
        var endpointIDs: [String]?
    }

    /// A delivery of `eventID` to `endpointID` that is owed no more.
    struct DeliverySettledImage: Codable, Sendable {
        var eventID: String
        var endpointID: String
    }

    /// The first answer given to an idempotency key, byte for byte.
    struct AnswerImage: Codable, Sendable {
        var merchantID: UInt64
        var key: String
        var status: Int
        var body: String
        var answeredUnixNanoseconds: Int64
        /// The request's `APIRequest.parametersSHA256Hex` (nil in journals written before it
        /// was kept: such a key replays to any parameters).
        var parametersSHA256Hex: String?
    }
}

extension ServerRecord {
    static func intent(_ id: PaymentID, _ details: IntentDetails, status: String) -> ServerRecord {
        ServerRecord(
            .intent,
            IntentImage(
                paymentID: id.rawValue, merchantID: details.request.merchant.rawValue,
                paymentMethodID: details.paymentMethodID, testMethodID: details.testMethod.id,
                manualCapture: details.request.captureMethod == .manual, metadata: details.metadata,
                description: details.description, createdUnixSeconds: details.createdUnixSeconds,
                cancellationReason: details.cancellationReason,
                canceledUnixSeconds: details.canceledUnixSeconds,
                lastError: details.lastError.map {
                    ErrorImage(
                        status: $0.status, type: $0.type, code: $0.code, message: $0.message,
                        declineCode: $0.declineCode)
                },
                status: status))
    }

    static func refund(_ refund: RefundObject, merchant: MerchantID) -> ServerRecord {
        ServerRecord(
            .refund,
            RefundImage(
                id: refund.id, paymentID: refund.payment.rawValue, merchantID: merchant.rawValue,
                amountMinorUnits: refund.amount.minorUnits, currency: refund.amount.currency.code,
                createdUnixSeconds: refund.createdUnixSeconds, reason: refund.reason,
                metadata: refund.metadata))
    }

    /// The endpoint's record; with `sealing`, its secret sealed, bound to the endpoint's id.
    /// - Throws: the cipher's refusal (then nothing may be journaled in plain text instead).
    static func endpoint(
        _ endpoint: WebhookEndpointObject, sealing cipher: FieldCipher?
    ) throws(JournalError) -> ServerRecord {
        var secret = endpoint.secret
        var sealed: String?
        if let cipher {
            // The endpoint's number is its nonce's counter: never reused under the key, since
            // endpoint ids never repeat in one journal.
            let number = UInt64(endpoint.id.dropFirst(3), radix: 16) ?? 0
            sealed = Data(
                try cipher.seal(Array(secret.utf8), counter: number, authenticating: Array(endpoint.id.utf8))
            ).base64EncodedString()
            secret = ""
        }
        return ServerRecord(
            .endpointAdded,
            EndpointImage(
                id: endpoint.id, merchantID: endpoint.merchant.rawValue, url: endpoint.url,
                enabledEvents: endpoint.enabledEvents, secret: secret, sealedSecret: sealed,
                createdUnixSeconds: endpoint.createdUnixSeconds, description: endpoint.description,
                metadata: endpoint.metadata))
    }

    static func event(_ event: EventObject, endpointIDs: [String]) -> ServerRecord {
        ServerRecord(
            .event,
            EventImage(
                id: event.id, type: event.type, merchantID: event.merchant.rawValue,
                createdUnixSeconds: event.createdUnixSeconds, object: event.object.serialized,
                pendingWebhooks: event.pendingWebhooks, endpointIDs: endpointIDs))
    }

    static func deliverySettled(eventID: String, endpointID: String) -> ServerRecord {
        ServerRecord(.deliverySettled, DeliverySettledImage(eventID: eventID, endpointID: endpointID))
    }
}
