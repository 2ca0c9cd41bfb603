import Core
import Services

/// What an HTTP PaymentIntent carries besides the processor's record: the merchant's own
/// fields (metadata, description), how it was asked to be captured and paid, and why it last
/// failed.
struct IntentDetails: Sendable {
    var request: PaymentRequest
    /// Nil until a payment method is given (the intent then `requires_payment_method`).
    var paymentMethodID: String?
    var testMethod: TestPaymentMethod
    var metadata: [String: String]
    var description: String?
    var createdUnixSeconds: Int64
    var cancellationReason: String?
    var canceledUnixSeconds: Int64?
    var lastError: StripeError?
}

/// A refund as the API answers it; the processor keeps refunds as amounts on the payment.
struct RefundObject: Sendable {
    var id: String
    var payment: PaymentID
    var amount: Money
    var createdUnixSeconds: Int64
    var reason: String?
    var metadata: [String: String]
}

/// A merchant's webhook endpoint, registered through the API.
struct WebhookEndpointObject: Sendable {
    var id: String
    var merchant: MerchantID
    var url: String
    var enabledEvents: [String]
    var secret: String
    var createdUnixSeconds: Int64
    var description: String?
    var metadata: [String: String]

    func accepts(_ type: String) -> Bool {
        enabledEvents.contains("*") || enabledEvents.contains(type)
    }
}

/// An event as `/v1/events` lists it, with the object as it stood when the event happened.
struct EventObject: Sendable {
    var id: String
    var type: String
    var merchant: MerchantID
    var createdUnixSeconds: Int64
    var object: JSON
    var pendingWebhooks: Int
    /// The payment the event is about, when the server emitted it in this life: the
    /// dashboard finds a payment's events by it without reading their objects (an intent's is
    /// kept as its rendered text). Nil for an event a resumed server read back from the journal.
    var paymentIntentID: String? = nil

    var json: JSON { .raw(serializedBytes) }

    /// The event's JSON text, written straight to bytes: every event of every payment is
    /// written once for its webhook deliveries, and a tree of values for the envelope cost a
    /// dozen allocations to build and free around an object already written as bytes.
    var serializedBytes: [UInt8] {
        var writer = JSONObjectWriter(capacity: 1_536)
        writer.string("id", id)
        writer.string("object", "event")
        writer.string("account", merchant.description)
        writer.string("api_version", StripeRenderer.apiVersion)
        writer.integer("created", createdUnixSeconds)
        writer.field("data", .object([("object", object)]))
        writer.bool("livemode", false)
        writer.integer("pending_webhooks", Int64(pendingWebhooks))
        writer.field("request", Self.requestNone)
        writer.string("type", type)
        return writer.finish()
    }

    /// Events the server emits come from its own processing, never from one API request.
    private static let requestNone: JSON = .raw(Array(#"{"id":null,"idempotency_key":null}"#.utf8))
}

/// Renders the processor's records as Stripe's JSON objects.
enum StripeRenderer {
    static let apiVersion = "2025-01-27.acacia"

    /// The digits after a typed id's prefix (`pi_00000000000001` → `00000000000001`): a
    /// payment's charge and dispute share its number.
    static func suffix(_ id: PaymentID) -> Substring { id.description.dropFirst(3) }

    static func chargeID(_ id: PaymentID) -> String { "ch_" + suffix(id) }
    static func disputeID(_ id: PaymentID) -> String { "dp_" + suffix(id) }

    static func paymentIntent(_ record: PaymentRecord, _ details: IntentDetails?, baseURL: String) -> JSON {
        let payment = record.payment
        let id = record.id
        let state = payment.state
        let charged: Bool
        switch state {
        case .created, .requiresAction: charged = false
        default: charged = true
        }
        var nextAction: JSON = nil
        if state == .requiresAction {
            let url = "\(baseURL)/v1/test_helpers/three_d_secure/\(id)"
            nextAction = .object([
                ("redirect_to_url", .object([("return_url", nil), ("url", .string(url))])),
                ("type", "redirect_to_url"),
            ])
        }
        let captureMethod = details?.request.captureMethod == .manual ? "manual" : "automatic"
        var lastError: JSON = nil
        if let error = details?.lastError, state.stripeStatus == "requires_payment_method" {
            var fields: [(String, JSON)] = [("code", .optional(error.code))]
            if let decline = error.declineCode { fields.append(("decline_code", .string(decline))) }
            fields += [
                ("message", .string(error.message)),
                ("payment_method", .optional(details?.paymentMethodID ?? nil)),
                ("type", .string(error.type)),
            ]
            lastError = .object(fields)
        }
        let idText = id.description
        let suffix = idText.dropFirst(3)
        var object = JSONObjectWriter()
        object.string("id", idText)
        object.string("object", "payment_intent")
        object.integer("amount", payment.amount.minorUnits)
        object.integer("amount_capturable", payment.amountCapturableMinorUnits)
        object.integer("amount_received", payment.amountCapturedMinorUnits)
        object.integer("canceled_at", details?.canceledUnixSeconds)
        object.string("cancellation_reason", details?.cancellationReason)
        object.string("capture_method", captureMethod)
        object.string("client_secret", idText + "_secret_" + suffix)
        object.string("confirmation_method", "automatic")
        object.integer("created", details?.createdUnixSeconds ?? 0)
        object.string("currency", payment.amount.currency.code.lowercased())
        object.null("customer")
        object.string("description", details?.description)
        object.field("last_payment_error", lastError)
        object.string("latest_charge", charged ? "ch_" + suffix : nil)
        object.bool("livemode", false)
        object.dictionary("metadata", details?.metadata ?? [:])
        object.field("next_action", nextAction)
        object.string("payment_method", details?.paymentMethodID ?? nil)
        object.field("payment_method_types", .array(["card"]))
        object.string("status", status(state, details))
        return object.json()
    }

    static func status(_ state: PaymentState, _ details: IntentDetails?) -> String {
        if state == .created, let details, details.paymentMethodID == nil { return "requires_payment_method" }
        return state.stripeStatus
    }

    static func refund(_ refund: RefundObject) -> JSON {
        .object([
            ("id", .string(refund.id)), ("object", "refund"), ("amount", .integer(refund.amount.minorUnits)),
            ("charge", .string(chargeID(refund.payment))), ("created", .integer(refund.createdUnixSeconds)),
            ("currency", .string(refund.amount.currency.code.lowercased())),
            ("metadata", .dictionary(refund.metadata)),
            ("payment_intent", .string(refund.payment.description)),
            ("reason", .optional(refund.reason)), ("status", "succeeded"),
        ])
    }

    static func dispute(_ record: PaymentRecord, createdUnixSeconds: Int64) -> JSON? {
        guard let dispute = record.payment.dispute else { return nil }
        return .object([
            ("id", .string(disputeID(record.id))), ("object", "dispute"),
            ("amount", .integer(dispute.amountMinorUnits)), ("charge", .string(chargeID(record.id))),
            ("created", .integer(createdUnixSeconds)),
            ("currency", .string(record.payment.amount.currency.code.lowercased())),
            ("is_charge_refundable", false), ("livemode", false), ("metadata", .object([])),
            ("payment_intent", .string(record.id.description)),
            ("reason", .string(dispute.status.isInquiry ? "general" : "fraudulent")),
            ("status", .string(dispute.status.rawValue)),
        ])
    }

    static func webhookEndpoint(_ endpoint: WebhookEndpointObject, withSecret: Bool) -> JSON {
        var fields: [(String, JSON)] = [
            ("id", .string(endpoint.id)), ("object", "webhook_endpoint"), ("api_version", nil),
            ("created", .integer(endpoint.createdUnixSeconds)),
            ("description", .optional(endpoint.description)),
            ("enabled_events", .array(endpoint.enabledEvents.map { .string($0) })), ("livemode", false),
            ("metadata", .dictionary(endpoint.metadata)),
        ]
        if withSecret { fields.append(("secret", .string(endpoint.secret))) }
        fields += [("status", "enabled"), ("url", .string(endpoint.url))]
        return .object(fields)
    }

    static func list(_ items: [JSON], hasMore: Bool, url: String) -> JSON {
        .object([
            ("object", "list"), ("data", .array(items)), ("has_more", .bool(hasMore)), ("url", .string(url)),
        ])
    }

    static func deleted(_ id: String, object: String) -> JSON {
        .object([("id", .string(id)), ("object", .string(object)), ("deleted", true)])
    }
}
