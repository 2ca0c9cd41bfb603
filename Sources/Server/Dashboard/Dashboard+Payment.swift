import Core
import Hummingbird
import Ledger
import Services

/// One payment: its amounts, card (brand and last4 only), metadata, the actions it allows,
/// and its timeline from the events with each event's webhook attempts.
struct PaymentPage: Sendable {
    struct Pair: Sendable {
        var key: String
        var value: String
    }

    struct Refund: Sendable {
        var id: String
        var amount: String
        var created: String
    }

    struct Attempt: Sendable {
        var endpoint: String
        var attempt: Int
        var result: String
        var tone: String
        var latencyMilliseconds: Int64
    }

    struct Entry: Sendable {
        /// `event`, `network` (a card network's answer) or `three_d_secure` (a customer's
        /// authentication step).
        var kind: String
        var time: String
        var type: String
        var summary: String
        var tone: String
        var attempts: [Attempt]
    }

    struct LedgerLeg: Sendable {
        var account: String
        /// `debit` or `credit`.
        var side: String
        var amount: String
        var amountMinorUnits: Int64
    }

    struct LedgerEntry: Sendable {
        var time: String
        var transfer: String
        var phase: String
        var legs: [LedgerLeg]
    }

    var layout: DashboardLayout
    var id: String
    var amount: String
    var status: String
    var tone: String
    var apiStatus: String
    var created: String
    var currency: String
    var captured: String
    var refunded: String
    var capturable: String
    var capturableAmount: String
    var refundable: String
    var card: String
    var network: String
    var threeDSecure: String
    var captureMethod: String
    var paymentMethod: String
    var description: String
    var lastError: String?
    var dispute: String?
    var metadata: [Pair]
    var canRefund: Bool
    var canCapture: Bool
    var hasActions: Bool
    var idempotencyKey: String
    var refunds: [Refund]
    var timeline: [Entry]
    var ledgerEntries: [LedgerEntry]
}

extension Dashboard {
    /// The merchant's payment named by `text`, or nil for a malformed id and for another
    /// merchant's payment alike.
    static func ownPayment(
        _ text: String, _ merchant: MerchantID, _ backend: ServerBackend
    ) async -> PaymentRecord? {
        guard let id = try? PaymentID(parsing: text) else { return nil }
        return await backend.system.payment(id, of: merchant)
    }

    func payment(_ text: String, _ session: DashboardSession, _ backend: ServerBackend) async -> Response {
        guard let record = await Self.ownPayment(text, session.merchant, backend) else {
            return notFound("payment", session)
        }
        let page = Self.paymentPage(
            record, layout: layout(record.id.description, .payments, session), backend: backend,
            sender: sender)
        return DashboardResponse.html(DashboardTemplates.render(page, "payment"))
    }

    static func paymentPage(
        _ record: PaymentRecord, layout: DashboardLayout, backend: ServerBackend, sender: WebhookSender
    ) -> PaymentPage {
        let id = record.id
        let details = backend.store.details(id)
        let payment = record.payment
        let currency = payment.amount.currency
        let money = { (minor: Int64) in Money(minorUnits: minor, currency: currency) }
        let status = DashboardStatus(record)
        var lastError: String?
        if let error = details?.lastError,
            StripeRenderer.status(payment.state, details) == "requires_payment_method"
        {
            lastError = [error.code, error.declineCode, error.message].compactMap { $0 }.joined(
                separator: " · ")
        }
        // A read key's session sees no form (the server refuses them all the same).
        let canRefund = !layout.readOnly && payment.amountRefundableMinorUnits > 0
        let canCapture = !layout.readOnly && payment.state == .authorized
        return PaymentPage(
            layout: layout, id: id.description, amount: payment.amount.description, status: status.label,
            tone: status.tone, apiStatus: StripeRenderer.status(payment.state, details),
            created: DashboardTime.dateTime(details?.createdUnixSeconds ?? 0), currency: currency.code,
            captured: money(payment.amountCapturedMinorUnits).description,
            refunded: money(payment.amountRefundedMinorUnits).description,
            capturable: money(payment.amountCapturableMinorUnits).description,
            capturableAmount: money(payment.amountCapturableMinorUnits).decimalString,
            refundable: money(payment.amountRefundableMinorUnits).decimalString,
            card: record.card.map {
                "\($0.brand) •••• \($0.last4), expires \($0.expiryMonth)/\($0.expiryYear), \($0.funding), \($0.country)"
            } ?? "—",
            network: "\(record.network)",
            threeDSecure: payment.isAuthenticated ? "authenticated" : "not authenticated",
            captureMethod: details?.request.captureMethod == .manual ? "manual" : "automatic",
            paymentMethod: details?.paymentMethodID ?? "—", description: details?.description ?? "—",
            lastError: lastError,
            dispute: payment.dispute.map {
                "\(StripeRenderer.disputeID(id)) \($0.status.rawValue), \(money($0.amountMinorUnits))"
            },
            metadata: (details?.metadata ?? [:]).sorted { $0.key < $1.key }.map {
                PaymentPage.Pair(key: $0.key, value: $0.value)
            },
            canRefund: canRefund, canCapture: canCapture, hasActions: canRefund || canCapture,
            idempotencyKey: "dashboard_" + DashboardSessions.randomToken(),
            refunds: backend.store.refunds(of: record.merchant).filter { $0.payment == id }.map {
                PaymentPage.Refund(
                    id: $0.id, amount: $0.amount.description,
                    created: DashboardTime.dateTime($0.createdUnixSeconds))
            },
            timeline: timeline(id, merchant: record.merchant, backend: backend, sender: sender),
            ledgerEntries: backend.ledgerEntries.entries(of: id).map(Self.ledgerEntry))
    }

    /// A transfer as the page lists it: each leg's account, side and amount in the transfer's
    /// currency.
    static func ledgerEntry(_ entry: LedgerEntryLog.Entry) -> PaymentPage.LedgerEntry {
        let transfer = entry.transfer
        let phase: String
        switch transfer.phase {
        case .single: phase = "posted"
        case .pending: phase = "pending (a hold)"
        case .post(let pending): phase = "posts hold \(pending)"
        case .void(let pending): phase = "voids hold \(pending)"
        }
        return PaymentPage.LedgerEntry(
            time: DashboardTime.dateTime(entry.createdUnixSeconds), transfer: transfer.id.description,
            phase: phase,
            legs: transfer.legs.map { leg in
                PaymentPage.LedgerLeg(
                    account: leg.account.description, side: leg.side == .debit ? "debit" : "credit",
                    amount: Money(minorUnits: leg.amount, currency: transfer.currency).description,
                    amountMinorUnits: leg.amount)
            })
    }

    /// The payment's events, oldest first, each with its webhook attempts, and among them the
    /// network's answers and the 3-D Secure steps where the server saw them. Events the
    /// timeline log does not hold (a resumed server's, or a payment it forgot) come first:
    /// they are older than anything it holds.
    static func timeline(
        _ id: PaymentID, merchant: MerchantID, backend: ServerBackend, sender: WebhookSender
    ) -> [PaymentPage.Entry] {
        let name = JSON.string(id.description)
        let events = backend.store.events(of: merchant).filter {
            if let paymentIntentID = $0.paymentIntentID { return paymentIntentID == id.description }
            return $0.object["id"] == name || $0.object["payment_intent"] == name
        }
        let eventIDs = Set(events.map(\.id))
        var attempts: [String: [PaymentPage.Attempt]] = [:]
        for attempt in sender.recentAttempts where eventIDs.contains(attempt.eventID) {
            let ok = attempt.status.map { (200..<300).contains($0) } ?? false
            attempts[attempt.eventID, default: []].append(
                PaymentPage.Attempt(
                    endpoint: attempt.endpointID, attempt: attempt.attempt,
                    result: attempt.status.map { "HTTP \($0)" } ?? "no answer", tone: ok ? "good" : "bad",
                    latencyMilliseconds: attempt.latencyMilliseconds))
        }
        func entries(_ event: EventObject) -> [PaymentPage.Entry] {
            let time = DashboardTime.dateTime(event.createdUnixSeconds)
            var entries = [
                PaymentPage.Entry(
                    kind: "event", time: time, type: event.type, summary: summary(event.object), tone: "",
                    attempts: attempts[event.id] ?? [])
            ]
            if event.type == "payment_intent.requires_action" {
                entries.append(threeDSecureEntry(.challengeIssued, time: time))
            }
            return entries
        }
        let items = backend.timeline.items(of: id)
        var logged = Set<String>()
        for case .event(let eventID) in items { logged.insert(eventID) }
        var timeline = events.filter { !logged.contains($0.id) }.flatMap(entries)
        let byID = Dictionary(events.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for item in items {
            switch item {
            case .event(let eventID):
                if let event = byID[eventID] { timeline += entries(event) }
            case .network(let result, let latencyMicroseconds, let created):
                timeline.append(
                    networkEntry(result, latencyMicroseconds, time: DashboardTime.dateTime(created)))
            case .threeDSecure(let step, let created):
                timeline.append(threeDSecureEntry(step, time: DashboardTime.dateTime(created)))
            }
        }
        return timeline
    }

    /// "approved (auth code 4F2A9C) in 0.84 ms", "declined: insufficient_funds in 1.20 ms".
    static func networkEntry(
        _ result: NetworkAuthorizationResult?, _ latencyMicroseconds: Int64, time: String
    ) -> PaymentPage.Entry {
        let hundredths = latencyMicroseconds % 1_000 / 10
        let latency = "\(latencyMicroseconds / 1_000).\(hundredths < 10 ? "0" : "")\(hundredths) ms"
        let (type, summary, tone): (String, String, String) =
            switch result {
            case .approved(let code)?:
                ("network.approved", "approved (auth code \(code)) in \(latency)", "good")
            case .declined(let code)?: ("network.declined", "declined: \(code.rawValue) in \(latency)", "bad")
            case .timedOut?: ("network.timed_out", "no answer in \(latency)", "bad")
            case nil: ("network.unavailable", "refused: the network is unavailable", "bad")
            }
        return PaymentPage.Entry(
            kind: "network", time: time, type: type, summary: summary, tone: tone, attempts: [])
    }

    static func threeDSecureEntry(
        _ step: PaymentTimelineLog.ThreeDSecureStep, time: String
    ) -> PaymentPage.Entry {
        let (summary, tone): (String, String) =
            switch step {
            case .challengeIssued: ("3-D Secure challenge issued to the customer", "pending")
            case .passed: ("the customer passed 3-D Secure", "good")
            case .failed: ("the customer failed 3-D Secure", "bad")
            case .abandoned: ("3-D Secure abandoned: canceled before the customer answered", "bad")
            }
        return PaymentPage.Entry(
            kind: "three_d_secure", time: time, type: "3ds." + step.rawValue, summary: summary, tone: tone,
            attempts: [])
    }

    /// What an event's object said when it happened: its status, and a decline's code.
    static func summary(_ object: JSON) -> String {
        var parts: [String] = []
        if case .string(let kind)? = object["object"], case .string(let status)? = object["status"] {
            parts.append(kind == "dispute" ? "dispute \(status)" : "status \(status)")
        }
        if case .integer(let received)? = object["amount_received"], received > 0,
            case .string(let currency)? = object["currency"],
            let code = try? Currency(code: currency.uppercased())
        {
            parts.append("received \(Money(minorUnits: received, currency: code))")
        }
        if let error = object["last_payment_error"],
            case .string(let code)? = error["decline_code"] ?? error["code"]
        {
            parts.append("declined: \(code)")
        }
        return parts.joined(separator: ", ")
    }
}
