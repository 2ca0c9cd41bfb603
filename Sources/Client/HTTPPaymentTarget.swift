import Core
import Foundation
import Ledger
import NIOCore
import NIOHTTP1
import Scenarios
import Services
import Synchronization
import WireHTTP

/// Stripe's HTTP API as a journey's target (`paystorm run --target URL`): every request over a
/// real socket, form-encoded, with the merchant's secret key and an `Idempotency-Key`; keys come
/// from the admin onboarding route. Keep-alive connections are pooled (`WireConnectionPool`)
/// and bounded (`connectionsMax`), and so are requests on the wire: a load beyond them waits in
/// a `RequestGate` instead of opening more sockets.
///
/// Runs on real time (the client's side of the world).
public final class HTTPPaymentTarget: AuditableTarget, ServerFaultControl {
    public let baseURL: String
    private let pool: WireConnectionPool
    private let address: WireAddress
    /// The `Host` header every request carries.
    private let hostHeader: String
    private let timeout: Duration
    private let gate: RequestGate
    /// Where each onboarded merchant's webhook endpoint points, when the run has a receiver.
    let receiver: WebhookReceiver?
    /// A status check's priority: this target's retrieves are the journeys' checks
    /// (`followUp`); the read traffic's view of it (`forReadTraffic`) reads at `read`.
    private let retrievePriority: RequestPriority
    /// Onboardings so far: each one's endpoint path is its own.
    private let onboardings = Atomic<Int>(0)
    /// Whether the server registers a merchant's endpoint in its onboarding request
    /// (`webhook_url`); cleared by the first server that refuses the parameter.
    private let endpointWithMerchant = Atomic<Bool>(true)

    /// How long a new payment's requests and a read wait for one of the connections before
    /// they are shed (never sent, counted): a new payment waits up to twice (its merchant's
    /// onboarding, its create) and must still be answered within the scenario's 2 s objective
    /// after that; a read is worth a quarter of a second of waiting at most.
    public static let patienceDefault: [RequestPriority: Duration] = [
        .payment: .milliseconds(500), .read: .milliseconds(250),
    ]

    /// Connections to the server at most, the longest a request may take before its outcome
    /// counts as unknown, and how long each priority waits for a connection before it is shed.
    ///
    /// 512 connections: a create is answered after the card network's simulated 140-190 ms, so
    /// 2,000 TPS holds about 400 creates on the wire at once beside the reads and checks; 128
    /// capped the creates near 850 TPS whatever the CPU could do.
    public init(
        baseURL: String, connectionsMax: Int = 512, timeout: Duration = .seconds(30),
        patience: [RequestPriority: Duration] = HTTPPaymentTarget.patienceDefault,
        receiver: WebhookReceiver? = nil
    ) {
        self.receiver = receiver
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        let url = URL(string: self.baseURL)
        address = WireAddress(host: url?.host ?? "127.0.0.1", port: url?.port ?? 80)
        hostHeader = address.hostHeader
        pool = WireConnectionPool()
        self.timeout = timeout
        gate = RequestGate(slotsMax: connectionsMax, patience: patience)
        retrievePriority = .followUp
    }

    private init(sharing target: HTTPPaymentTarget, retrievePriority: RequestPriority) {
        baseURL = target.baseURL
        pool = target.pool
        address = target.address
        hostHeader = target.hostHeader
        timeout = target.timeout
        gate = target.gate
        receiver = target.receiver
        self.retrievePriority = retrievePriority
    }

    /// The same connections for the read traffic: its status checks wait and are shed as
    /// reads, where the journeys' own retrieves (their final checks) are never shed.
    public func forReadTraffic() -> HTTPPaymentTarget {
        HTTPPaymentTarget(sharing: self, retrievePriority: .read)
    }

    /// Closes the pool's connections: call once the run is over.
    public func shutdown() async throws { await pool.shutdown() }

    public func onboard(_ merchant: MerchantID, settlementCurrency: Currency) async throws -> String? {
        // Onboarded by the first journey of the merchant, just before its create: waits and is
        // shed as that new payment would be (once the merchant exists, the rest is a step of it).
        // The merchant's endpoint is the run's receiver, under a path of its own (one per
        // onboarding) so that the receiver knows which secret signs its events; a server that
        // registers it with the merchant takes one request, an older one two.
        let token = "m\(merchant.rawValue)-\(onboardings.add(1, ordering: .relaxed).newValue)"
        let together = receiver != nil && endpointWithMerchant.load(ordering: .relaxed)
        var form = [("settlement_currency", settlementCurrency.code.lowercased())]
        if together, let receiver { form.append(("webhook_url", receiver.url(token: token))) }
        guard let answer = await request(.POST, "/admin/merchants", form: form, priority: .payment) else {
            throw WireError.malformed("no answer from /admin/merchants")
        }
        if answer.isShedByRunner { throw ShedByRunner() }
        if together, answer.status == 400, answer.bodyContains("webhook_url") {
            endpointWithMerchant.store(false, ordering: .relaxed)
            return try await onboard(merchant, settlementCurrency: settlementCurrency)
        }
        guard answer.isSuccess else { throw WireError.refused(status: answer.status, body: answer.body) }
        guard let key = answer.stringField("secret_key") else {
            throw WireError.malformed("no secret_key in \(answer.body.prefix(200))")
        }
        guard let receiver else { return key }
        if together {
            guard let secret = answer.stringField("secret") else {
                throw WireError.malformed("no webhook_endpoint secret in \(answer.body.prefix(200))")
            }
            receiver.register(token: token, secret: secret)
            return key
        }
        guard
            let registered = await request(
                .POST, "/v1/webhook_endpoints",
                form: [("url", receiver.url(token: token)), ("enabled_events[0]", "*")], apiKey: key)
        else { throw WireError.malformed("no answer from /v1/webhook_endpoints") }
        guard registered.isSuccess, let secret = registered.stringField("secret") else {
            throw WireError.refused(status: registered.status, body: registered.body)
        }
        receiver.register(token: token, secret: secret)
        return key
    }

    public func createPayment(
        _ order: PaymentOrder, apiKey: String, idempotencyKey: String
    ) async -> APIResponse? {
        let request = order.request
        let form = [
            ("amount", String(request.amount.minorUnits)),
            ("currency", request.amount.currency.code.lowercased()),
            ("confirm", "true"),
            ("capture_method", request.captureMethod == .automatic ? "automatic" : "manual"),
            ("payment_method_data[card][number]", order.pan),
            ("payment_method_data[card][exp_month]", String(order.expiryMonth)),
            ("payment_method_data[card][exp_year]", String(order.expiryYear)),
        ]
        return await self.request(
            .POST, "/v1/payment_intents", form: form, apiKey: apiKey, idempotencyKey: idempotencyKey,
            priority: .payment)
    }

    public func capture(
        _ id: PaymentID, amountMinorUnits: Int64?, merchant: MerchantID, apiKey: String,
        idempotencyKey: String
    ) async -> APIResponse? {
        await request(
            .POST, "/v1/payment_intents/\(id)/capture",
            form: amountMinorUnits.map { [("amount_to_capture", String($0))] } ?? [], apiKey: apiKey,
            idempotencyKey: idempotencyKey)
    }

    /// Names the reason Stripe records for a merchant voiding an authorization it will not
    /// capture: the customer asked (`requested_by_customer`).
    public func cancel(
        _ id: PaymentID, merchant: MerchantID, apiKey: String, idempotencyKey: String
    ) async -> APIResponse? {
        await request(
            .POST, "/v1/payment_intents/\(id)/cancel",
            form: [("cancellation_reason", "requested_by_customer")], apiKey: apiKey,
            idempotencyKey: idempotencyKey)
    }

    public func refund(
        _ id: PaymentID, amountMinorUnits: Int64, merchant: MerchantID, apiKey: String, idempotencyKey: String
    ) async -> APIResponse? {
        await request(
            .POST, "/v1/refunds",
            form: [("payment_intent", id.description), ("amount", String(amountMinorUnits))],
            apiKey: apiKey, idempotencyKey: idempotencyKey)
    }

    public func submitDisputeEvidence(
        _ id: PaymentID, merchant: MerchantID, apiKey: String, idempotencyKey: String
    ) async -> APIResponse? {
        await request(
            .POST, "/v1/disputes/dp_\(id)", form: [("submit", "true")], apiKey: apiKey,
            idempotencyKey: idempotencyKey)
    }

    public func retrievePayment(_ id: PaymentID, merchant: MerchantID, apiKey: String) async -> APIResponse? {
        await request(.GET, "/v1/payment_intents/\(id)", apiKey: apiKey, priority: retrievePriority)
    }

    public func refundedMinorUnits(_ id: PaymentID, merchant: MerchantID, apiKey: String) async -> Int64? {
        guard let answer = await request(.GET, "/v1/refunds?payment_intent=\(id)&limit=100", apiKey: apiKey),
            answer.isSuccess,
            let object = try? JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any],
            let refunds = object["data"] as? [[String: Any]]
        else { return nil }
        var total: Int64 = 0
        for refund in refunds where (refund["status"] as? String) != "failed" {
            guard let amount = Self.integer(refund["amount"]) else { return nil }
            let (sum, overflow) = total.addingReportingOverflow(amount)
            if overflow { return nil }
            total = sum
        }
        return total
    }

    public func listPayments(
        apiKey: String, createdWithinSeconds: Int64, limit: Int, startingAfter: String?
    ) async -> APIResponse? {
        let since = Int64(Date().timeIntervalSince1970) - createdWithinSeconds
        var path = "/v1/payment_intents?limit=\(limit)&created%5Bgte%5D=\(since)"
        if let startingAfter { path += "&starting_after=\(FormEncoding.escape(startingAfter))" }
        return await request(.GET, path, apiKey: apiKey, priority: .read)
    }

    public func searchPayments(
        apiKey: String, status: String, createdWithinSeconds: Int64, limit: Int, page: String?
    ) async -> APIResponse? {
        let since = Int64(Date().timeIntervalSince1970) - createdWithinSeconds
        let query = "status:'\(status)' AND created>=\(since)"
        var path = "/v1/payment_intents/search?limit=\(limit)&query=\(FormEncoding.escape(query))"
        if let page { path += "&page=\(FormEncoding.escape(page))" }
        return await request(.GET, path, apiKey: apiKey, priority: .read)
    }

    public func balance(apiKey: String) async -> APIResponse? {
        await request(.GET, "/v1/balance", apiKey: apiKey, priority: .read)
    }

    public func listPayouts(apiKey: String, limit: Int) async -> APIResponse? {
        await request(.GET, "/v1/payouts?limit=\(limit)", apiKey: apiKey, priority: .read)
    }

    public func audit() async -> TargetAudit? {
        guard let answer = await request(.GET, "/admin/audit"), answer.isSuccess,
            let object = try? JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any],
            let balanced = object["ledger_balanced"] as? Bool
        else { return nil }
        var sums: [String: Int64] = [:]
        for (currency, value) in object["ledger_sum_by_currency"] as? [String: Any] ?? [:] {
            sums[currency] = Self.integer(value)
        }
        let webhooks = object["webhooks"] as? [String: Any]
        return TargetAudit(
            ledgerBalanced: balanced, ledgerSumByCurrency: sums,
            webhooksDeadLettered: Self.integer(webhooks?["dead_lettered"]).map { Int($0) } ?? 0)
    }

    public func setNetworkOutage(_ network: PaymentNetwork, down: Bool) async -> Bool {
        await request(
            .POST, "/admin/faults",
            form: [("kind", "network_outage"), ("target", network.rawValue), ("on", down ? "true" : "false")]
        )?.isSuccess ?? false
    }

    public func setNetworkFault(_ network: PaymentNetwork, _ fault: NetworkFault) async -> Bool {
        let latency = fault.addedLatency.components
        let milliseconds = latency.seconds * 1_000 + latency.attoseconds / 1_000_000_000_000_000
        // `healthy` would also end an outage: no timeouts is sent as a rate of zero instead.
        let form: [(String, String)] =
            fault.timeoutRate > 0 || milliseconds == 0
            ? [
                ("kind", "network_timeouts"), ("target", network.rawValue),
                ("rate", String(fault.timeoutRate)),
            ]
            : [
                ("kind", "network_latency"), ("target", network.rawValue),
                ("milliseconds", String(milliseconds)),
            ]
        return await request(.POST, "/admin/faults", form: form)?.isSuccess ?? false
    }

    /// Sends one request; nil when no answer came (refused, reset or timed out connection), and
    /// `APIResponse.shedByRunner` when it waited its priority's patience for a connection and
    /// was never sent.
    func request(
        _ method: HTTPMethod, _ path: String, form: [(String, String)] = [], apiKey: String? = nil,
        idempotencyKey: String? = nil, priority: RequestPriority = .followUp
    ) async -> APIResponse? {
        // The request's time counts from now, waiting for a slot included, as it did when
        // the pool's queue held it.
        let entered = ContinuousClock.now
        let deadline = entered + timeout
        switch await gate.enter(priority, deadline: deadline) {
        case .admitted: break
        case .expired: return nil
        case .shed: return .shedByRunner(waitedMilliseconds: Self.milliseconds(entered.duration(to: .now)))
        }
        defer { gate.leave() }
        guard let connection = await pool.acquire(address) else { return nil }
        let remaining = ContinuousClock.now.duration(to: deadline).components
        let response = await connection.send(
            encode(method, path, form: form, apiKey: apiKey, idempotencyKey: idempotencyKey),
            deadline: .now()
                + .nanoseconds(remaining.seconds * 1_000_000_000 + remaining.attoseconds / 1_000_000_000))
        pool.release(connection)
        guard let response else { return nil }
        var answer = APIResponse(status: response.status, body: response.body, replayed: response.replayed)
        answer.retryAfter = response.retryAfterSeconds.map { .seconds($0) }
        answer.shouldRetry = response.shouldRetry
        if method == .POST, answer.isSuccess, let receiver, let id = answer.paymentID {
            receiver.acknowledged(id.description, idempotencyKey: idempotencyKey)
        }
        return answer
    }

    /// The request for NIO's HTTP/1 encoder: its head, and its form body for a POST.
    private func encode(
        _ method: HTTPMethod, _ path: String, form: [(String, String)], apiKey: String?,
        idempotencyKey: String?
    ) -> WireRequest {
        var headers = HTTPHeaders()
        headers.reserveCapacity(5)
        headers.add(name: "Host", value: hostHeader)
        if let apiKey { headers.add(name: "Authorization", value: "Bearer " + apiKey) }
        if let idempotencyKey { headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        guard method == .POST else { return WireRequest(method, path, headers: headers) }
        headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        return WireRequest(method, path, headers: headers, body: FormEncoding.bytes(form))
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        let components = duration.components
        return components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000
    }

    /// A JSON number as Foundation hands it over (an `Int` or an `NSNumber`, by platform).
    static func integer(_ value: Any?) -> Int64? {
        switch value {
        case let value as Int: Int64(value)
        case let value as Int64: value
        case let value as NSNumber: value.int64Value
        default: nil
        }
    }
}
