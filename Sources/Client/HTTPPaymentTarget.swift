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
public final class HTTPPaymentTarget: AuditableTarget, ServerFaultControl, WireClientFigures {
    public let baseURL: String
    private let pool: WireConnectionPool
    /// Reads (GETs) go through it, several to a connection when they come together.
    private let pipeliner: WirePipeliner
    private let address: WireAddress
    /// The `Host` header every request carries.
    private let hostHeader: String
    private let timeout: Duration
    private let patience: [RequestPriority: Duration]
    private let gate: RequestGate
    /// Requests answered nothing, by `UnansweredReason`.
    private let unanswered = Mutex<[UnansweredReason: Int]>([:])
    private let connectionWait = Mutex(LatencyHistogram())
    private let answerTime = Mutex(LatencyHistogram())
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
        pool = WireConnectionPool(lendableIdleMax: Self.lendableIdleMax, validatesHeaders: false)
        pipeliner = WirePipeliner(pool: pool, depthMax: Self.pipelineDepthMax)
        self.timeout = timeout
        self.patience = patience
        gate = RequestGate(slotsMax: connectionsMax, patience: patience)
        retrievePriority = .followUp
    }

    private init(
        readingFor target: HTTPPaymentTarget, connectionsMax: Int, patience: [RequestPriority: Duration]
    ) {
        baseURL = target.baseURL
        pool = WireConnectionPool(lendableIdleMax: Self.lendableIdleMax, validatesHeaders: false)
        pipeliner = WirePipeliner(pool: pool, depthMax: Self.pipelineDepthMax)
        address = target.address
        hostHeader = target.hostHeader
        timeout = target.timeout
        self.patience = patience
        gate = RequestGate(slotsMax: connectionsMax, patience: patience)
        receiver = target.receiver
        retrievePriority = .read
    }

    /// Reads on one connection at most: the server answers a read on its event loop as soon as
    /// it is decoded, so the last of a few waits little for those before it.
    public static let pipelineDepthMax = 4

    /// A kept-alive connection idle longer than this is closed, not lent: well under `paystorm
    /// serve`'s idle timeout (30 s) and under the shortest common one (5 s), so that the server
    /// never closes a connection as idle while a request is on its way on it. An onboarding has
    /// no idempotency key and cannot be sent again; at 2 s of idle timeout, runs lost dozens.
    public static let lendableIdleMax = TimeAmount.seconds(4)

    /// Connections of the read traffic's client at most: black-friday's peak sends about
    /// 10,000 reads a second, each answered in a millisecond or two by a server with CPU to
    /// spare, so a few dozen are busy at once; the rest is room for a server slowed by the
    /// payments' peak. 128 held only 6,400 reads a second once answers took 20 ms on a loaded
    /// machine, and the reads then waited for connections most of the run.
    public static let readConnectionsMaxDefault = 512

    /// The read traffic's own client: connections and a gate of its own, as a merchant's
    /// dashboard or status checker is a different client from its checkout. Sharing the
    /// journeys' connections, a read waited behind creates that hold a connection through the
    /// card network's latency, and at the peak most reads waited their whole patience for one
    /// (PERFORMANCE.md). Its status checks wait and are shed as reads, where the journeys' own
    /// retrieves (their final checks) are never shed.
    /// - Parameter patience: how long its reads wait for one of its connections before they are
    ///   shed; nil: as this target's.
    public func forReadTraffic(
        connectionsMax: Int = readConnectionsMaxDefault, patience: [RequestPriority: Duration]? = nil
    ) -> HTTPPaymentTarget {
        HTTPPaymentTarget(
            readingFor: self, connectionsMax: connectionsMax, patience: patience ?? self.patience)
    }

    /// Closes the pool's connections: call once the run is over.
    public func shutdown() async throws { await pool.shutdown() }

    public var unansweredByReason: [String: Int] {
        unanswered.withLock { counts in
            Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) })
        }
    }

    public var connectionWaitMilliseconds: LatencySummary { connectionWait.withLock { $0.summary } }

    public var answerMilliseconds: LatencySummary { answerTime.withLock { $0.summary } }

    private func noteUnanswered(_ reason: UnansweredReason) {
        unanswered.withLock { $0[reason, default: 0] += 1 }
    }

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
        guard let answer = await request(.GET, "/v1/refunds?payment_intent=\(id)&limit=100", apiKey: apiKey)
        else { return nil }
        // Not a lost answer, but the journey reads it as one and asks again: counted apart.
        guard answer.isSuccess,
            let object = try? JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any],
            let refunds = object["data"] as? [[String: Any]]
        else {
            noteUnanswered(.refundListUnreadable)
            return nil
        }
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
        idempotencyKey: String? = nil, priority: RequestPriority = .followUp, isResend: Bool = false
    ) async -> APIResponse? {
        // The request's time counts from now, waiting for a slot included, as it did when
        // the pool's queue held it.
        let entered = ContinuousClock.now
        let deadline = entered + timeout
        switch await gate.enter(priority, deadline: deadline) {
        case .admitted: break
        case .expired:
            noteUnanswered(.expiredWaiting)
            return nil
        case .shed: return .shedByRunner(waitedMilliseconds: Self.milliseconds(entered.duration(to: .now)))
        }
        let waitedNanoseconds = Self.nanoseconds(entered.duration(to: .now))
        connectionWait.withLock { $0.record(nanoseconds: waitedNanoseconds) }
        let wire = encode(method, path, form: form, apiKey: apiKey, idempotencyKey: idempotencyKey)
        let wireDeadline =
            NIODeadline.now() + .nanoseconds(Self.nanoseconds(ContinuousClock.now.duration(to: deadline)))
        let sent = ContinuousClock.now
        guard let exchanged = await exchange(method, wire, deadline: wireDeadline) else {
            noteUnanswered(.connectFailed)
            return nil
        }
        let (response, answered, wasUsed) = exchanged
        if response != nil {
            let nanoseconds = Self.nanoseconds(sent.duration(to: answered))
            answerTime.withLock { $0.record(nanoseconds: nanoseconds) }
        }
        guard let response else {
            let reason: UnansweredReason =
                ContinuousClock.now >= deadline ? .late : wasUsed ? .closedKeptAlive : .closedNew
            // A kept-alive connection the server closed as idle just as the request went out
            // (its idle timeout, 30 s for `paystorm serve`): sent once more, on another, as HTTP
            // clients do with a request that is safe to repeat (a read, or a write under an
            // idempotency key, which the server answers once).
            if reason == .closedKeptAlive, !isResend, method == .GET || idempotencyKey != nil {
                noteUnanswered(.closedKeptAliveResent)
                return await request(
                    method, path, form: form, apiKey: apiKey, idempotencyKey: idempotencyKey,
                    priority: priority, isResend: true)
            }
            noteUnanswered(reason)
            return nil
        }
        var answer = APIResponse(status: response.status, body: response.body, replayed: response.replayed)
        answer.retryAfter = response.retryAfterSeconds.map { .seconds($0) }
        answer.shouldRetry = response.shouldRetry
        if method == .POST, answer.isSuccess, let receiver, let id = answer.paymentID {
            receiver.acknowledged(id.description, idempotencyKey: idempotencyKey)
        }
        return answer
    }

    /// Sends `wire` once it holds a slot of `gate`, which it gives back with the answer; nil
    /// when no connection could be had. Returns the answer (nil: none came), when it was read,
    /// and whether the connection had carried a request before.
    private func exchange(
        _ method: HTTPMethod, _ wire: WireRequest, deadline wireDeadline: NIODeadline
    ) async -> (response: WireResponse?, answered: ContinuousClock.Instant, wasUsed: Bool)? {
        if method == .GET {
            // A read is answered at once and is safe to send again: pipelined with the reads
            // handed over beside it (`WirePipeliner`). The slot is given back on the event loop
            // the moment the answer is read, as a write's is below.
            let (outcome, at) = await withUnsafeContinuation {
                (continuation: UnsafeContinuation<(WirePipeliner.Outcome, ContinuousClock.Instant), Never>) in
                pipeliner.send(wire, to: address, deadline: wireDeadline) { [gate] outcome in
                    let answered = ContinuousClock.now
                    gate.leave()
                    continuation.resume(returning: (outcome, answered))
                }
            }
            switch outcome {
            case .noConnection: return nil
            // Counted as closed under it whether or not the connection was new: a pipelined
            // request does not know, and a read is sent once more either way.
            case .answered(let answer): return (answer, at, true)
            case .unanswered: return (nil, at, true)
            }
        }
        guard let connection = await pool.acquire(address) else {
            gate.leave()
            return nil
        }
        let wasUsed = connection.wasUsed
        // The connection and the slot are given back on the event loop the moment the answer
        // is read, not when this task next runs: at the peak a runner busy with its own tasks
        // held both that much longer, and the requests behind them waited for a connection
        // whose answer was already in.
        let (response, answered) = await withUnsafeContinuation {
            (continuation: UnsafeContinuation<(WireResponse?, ContinuousClock.Instant), Never>) in
            connection.send(wire, deadline: wireDeadline) { [pool, gate] response in
                let answered = ContinuousClock.now
                pool.release(connection)
                gate.leave()
                continuation.resume(returning: (response, answered))
            }
        }
        return (response, answered, wasUsed)
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

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let components = duration.components
        return components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
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
