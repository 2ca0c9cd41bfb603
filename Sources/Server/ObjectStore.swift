import Core
import DequeModule
import Services
import Synchronization

/// The API's own objects around the processor's records: PaymentIntent details, refunds,
/// webhook endpoints and the event log, each listed per merchant, newest first, as Stripe's
/// list endpoints page them.
///
/// A lock rather than an actor: every call is a short look-up or insert that never suspends.
final class ObjectStore: Sendable {
    private struct State {
        /// Each intent's details, with a revision that changes whenever they do (renderings
        /// read from them are kept only while it stands).
        var intents: [PaymentID: (details: IntentDetails, revision: UInt64)] = [:]
        var revisionLast: UInt64 = 0
        var renderings = IntentRenderings()
        var refunds: [String: RefundObject] = [:]
        var refundOrder: [MerchantID: [String]] = [:]
        var nextRefund: UInt64 = 0
        var endpoints: [MerchantID: [WebhookEndpointObject]] = [:]
        var nextEndpoint: UInt64 = 0
        var events: [MerchantID: Deque<EventObject>] = [:]
        var disputesOpened: [PaymentID: Int64] = [:]
        var disputeOrder: [MerchantID: [PaymentID]] = [:]
        /// Each merchant's payments with the indexes its lists read (`MerchantPaymentIndex`).
        var payments: [MerchantID: MerchantPaymentIndex] = [:]
        /// Where each payment sits in its merchant's index.
        var positions: [PaymentID: (merchant: MerchantID, position: Int)] = [:]
        /// Statuses and overview contributions of events that came before their payment was
        /// inserted (a facade call emits them before the API stores what it answers).
        var statusesEarly: [PaymentID: (DashboardStatus, PaymentContribution)] = [:]
    }

    /// Early statuses kept at most; past it they are dropped (a payment whose insert never
    /// comes must not hold memory), and the payment shows its status from the next event.
    static let statusesEarlyMax = 10_000

    private let state = Mutex(State())
    /// Events kept per merchant for `/v1/events` (Stripe keeps 30 days); the oldest go first.
    static let eventsPerMerchantMax = 10_000

    // MARK: PaymentIntents

    func insert(_ details: IntentDetails, for id: PaymentID, merchant: MerchantID) {
        state.withLock {
            $0.revisionLast += 1
            if $0.intents.updateValue((details, $0.revisionLast), forKey: id) == nil {
                let (status, contribution) = $0.statusesEarly.removeValue(forKey: id) ?? (.incomplete, .none)
                let summary = PaymentSummary(
                    id: id, details: details, status: status, contribution: contribution)
                // Changed in place through the default subscript: no copy of the index.
                let position = $0.payments[merchant, default: MerchantPaymentIndex()].append(summary)
                $0.positions[id] = (merchant, position)
            } else if let (merchant, position) = $0.positions[id] {
                let card = PaymentSummary(id: id, details: details, status: .incomplete)
                $0.payments[merchant]?.setCard(brand: card.brand, last4: card.last4, at: position)
            }
        }
    }

    /// A payment as its latest event left it: its status and what it adds to the overview.
    func note(_ record: PaymentRecord) {
        noteStatus(DashboardStatus(record), contribution: PaymentContribution(record), of: record.id)
    }

    /// A payment's status (and overview contribution) after an event; remembered until the
    /// payment is inserted if it comes first.
    func noteStatus(
        _ status: DashboardStatus, contribution: PaymentContribution = .none, of id: PaymentID
    ) {
        state.withLock {
            if let (merchant, position) = $0.positions[id] {
                $0.payments[merchant]?.setStatus(status, at: position)
                $0.payments[merchant]?.setContribution(contribution, at: position)
                return
            }
            if $0.statusesEarly.count >= Self.statusesEarlyMax { $0.statusesEarly.removeAll() }
            $0.statusesEarly[id] = (status, contribution)
        }
    }

    /// The merchant's overview figures as they stand.
    func overviewFigures(of merchant: MerchantID) -> OverviewFigures {
        state.withLock { $0.payments[merchant]?.overview ?? OverviewFigures() }
    }

    /// The merchant's payments and their indexes as they stand: the chunks are shared with the
    /// store (copy on write), so this costs one reference per chunk, and the caller walks
    /// them without holding the store's lock.
    func paymentIndex(of merchant: MerchantID) -> MerchantPaymentIndex {
        state.withLock { $0.payments[merchant] ?? MerchantPaymentIndex() }
    }

    /// The position of `id` in `merchant`'s index; nil for another merchant's payment.
    func position(of id: PaymentID, merchant: MerchantID) -> Int? {
        state.withLock { state in
            guard let (owner, position) = state.positions[id], owner == merchant else { return nil }
            return position
        }
    }

    func details(_ id: PaymentID) -> IntentDetails? { state.withLock { $0.intents[id]?.details } }

    func update(_ id: PaymentID, _ change: (inout IntentDetails) -> Void) {
        state.withLock {
            guard $0.intents[id] != nil else { return }
            $0.revisionLast += 1
            $0.intents[id]!.revision = $0.revisionLast
            change(&$0.intents[id]!.details)
        }
    }

    /// `record` as Stripe's PaymentIntent with its details: the kept rendering when nothing it
    /// shows changed since (`IntentRenderings`), otherwise rendered outside the lock and kept,
    /// unless the details changed meanwhile.
    func paymentIntent(_ record: PaymentRecord, baseURL: String) -> JSON {
        let (kept, details, key) = state.withLock {
            state -> ([UInt8]?, IntentDetails?, IntentRenderings.Key) in
            let key = IntentRenderings.Key(record, detailsRevision: state.intents[record.id]?.revision ?? 0)
            if let kept = state.renderings.bytes(of: record.id, key: key, baseURL: baseURL) {
                return (kept, nil, key)
            }
            return (nil, state.intents[record.id]?.details, key)
        }
        if let kept { return .raw(kept) }
        let json = StripeRenderer.paymentIntent(record, details, baseURL: baseURL)
        guard case .raw(let bytes) = json else { return json }
        state.withLock { state in
            guard (state.intents[record.id]?.revision ?? 0) == key.detailsRevision else { return }
            state.renderings.keep(bytes, of: record.id, key: key, baseURL: baseURL)
        }
        return json
    }

    // MARK: Refunds

    func addRefund(
        payment: PaymentID, merchant: MerchantID, amount: Money, created: Int64, reason: String?,
        metadata: [String: String]
    ) -> RefundObject {
        state.withLock {
            $0.nextRefund += 1
            let refund = RefundObject(
                id: "re_" + String(hex14: $0.nextRefund), payment: payment, amount: amount,
                createdUnixSeconds: created,
                reason: reason, metadata: metadata)
            $0.refunds[refund.id] = refund
            $0.refundOrder[merchant, default: []].append(refund.id)
            return refund
        }
    }

    func refund(_ id: String) -> RefundObject? { state.withLock { $0.refunds[id] } }

    func refunds(of merchant: MerchantID) -> [RefundObject] {
        state.withLock { state in (state.refundOrder[merchant] ?? []).compactMap { state.refunds[$0] } }
    }

    // MARK: Disputes

    /// Notes a dispute's opening; returns whether it is new (a dispute's later events note it
    /// again).
    @discardableResult
    func noteDispute(_ payment: PaymentID, merchant: MerchantID, created: Int64) -> Bool {
        state.withLock {
            guard $0.disputesOpened[payment] == nil else { return false }
            $0.disputesOpened[payment] = created
            $0.disputeOrder[merchant, default: []].append(payment)
            return true
        }
    }

    func disputes(of merchant: MerchantID) -> [(PaymentID, Int64)] {
        state.withLock { state in
            (state.disputeOrder[merchant] ?? []).map { ($0, state.disputesOpened[$0] ?? 0) }
        }
    }

    func disputeCreated(_ payment: PaymentID) -> Int64? { state.withLock { $0.disputesOpened[payment] } }

    // MARK: Webhook endpoints

    func addEndpoint(
        merchant: MerchantID, url: String, enabledEvents: [String], secret: String, created: Int64,
        description: String?, metadata: [String: String]
    ) -> WebhookEndpointObject {
        state.withLock {
            $0.nextEndpoint += 1
            let endpoint = WebhookEndpointObject(
                id: "we_" + String(hex14: $0.nextEndpoint), merchant: merchant, url: url,
                enabledEvents: enabledEvents,
                secret: secret, createdUnixSeconds: created, description: description, metadata: metadata)
            $0.endpoints[merchant, default: []].append(endpoint)
            return endpoint
        }
    }

    func endpoints(of merchant: MerchantID) -> [WebhookEndpointObject] {
        state.withLock { $0.endpoints[merchant] ?? [] }
    }

    func removeEndpoint(_ id: String, of merchant: MerchantID) -> Bool {
        state.withLock {
            guard let index = $0.endpoints[merchant]?.firstIndex(where: { $0.id == id }) else { return false }
            $0.endpoints[merchant]!.remove(at: index)
            return true
        }
    }

    // MARK: Restoring

    /// Puts back a refund a resumed server journaled; later refunds are numbered after it.
    func restoreRefund(_ refund: RefundObject, merchant: MerchantID) {
        state.withLock {
            guard $0.refunds.updateValue(refund, forKey: refund.id) == nil else { return }
            $0.refundOrder[merchant, default: []].append(refund.id)
            $0.nextRefund = max($0.nextRefund, UInt64(refund.id.dropFirst(3), radix: 16) ?? 0)
        }
    }

    /// Puts back an endpoint a resumed server journaled; later endpoints are numbered after it.
    func restoreEndpoint(_ endpoint: WebhookEndpointObject) {
        state.withLock {
            $0.endpoints[endpoint.merchant, default: []].append(endpoint)
            $0.nextEndpoint = max($0.nextEndpoint, UInt64(endpoint.id.dropFirst(3), radix: 16) ?? 0)
        }
    }

    // MARK: Events

    func record(_ event: EventObject) {
        state.withLock {
            // Changed in place through the default subscript: no copy of the merchant's log.
            if $0.events[event.merchant, default: []].count >= Self.eventsPerMerchantMax {
                $0.events[event.merchant]!.removeFirst()
            }
            $0.events[event.merchant, default: []].append(event)
        }
    }

    /// The merchant's events, oldest first.
    func events(of merchant: MerchantID) -> [EventObject] {
        state.withLock { Array($0.events[merchant] ?? []) }
    }
}

extension String {
    /// `value` as 14 lower-case hex digits (more if it needs them), as typed ids print.
    init(hex14 value: UInt64) {
        let digits = String(value, radix: 16)
        self = String(repeating: "0", count: Swift.max(0, 14 - digits.count)) + digits
    }
}
