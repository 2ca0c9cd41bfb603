import AsyncHTTPClient
import Core
import Foundation
import Ledger
import NIOCore
import NIOHTTP1
import Scenarios
import Services

/// Stripe's HTTP API as a journey's target (`paystorm run --target URL`): every request over a
/// real socket, form-encoded, with the merchant's secret key and an `Idempotency-Key`; keys come
/// from the admin onboarding route. Connections are pooled and bounded (`connectionsMax` per
/// host), and so are requests on the wire: a load beyond them waits in a `RequestGate`
/// instead of opening more sockets or queueing inside the HTTP client's pool.
///
/// Runs on real time (the client's side of the world).
public final class HTTPPaymentTarget: AuditableTarget, ServerFaultControl {
    public let baseURL: String
    private let client: HTTPClient
    private let timeout: Duration
    private let gate: RequestGate
    /// Where each onboarded merchant's webhook endpoint points, when the run has a receiver.
    let receiver: WebhookReceiver?

    /// Connections to the server at most, and the longest a request may take before its
    /// outcome counts as unknown.
    public init(
        baseURL: String, connectionsMax: Int = 128, timeout: Duration = .seconds(30),
        receiver: WebhookReceiver? = nil
    ) {
        self.receiver = receiver
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(timeout.components.seconds))
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsMax)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.timeout = timeout
        gate = RequestGate(slotsMax: connectionsMax)
    }

    /// Closes the pool's connections: call once the run is over.
    public func shutdown() async throws { try await client.shutdown() }

    public func onboard(_ merchant: MerchantID, settlementCurrency: Currency) async throws -> String? {
        guard
            let answer = await request(
                .POST, "/admin/merchants",
                form: [("settlement_currency", settlementCurrency.code.lowercased())])
        else { throw WireError.malformed("no answer from /admin/merchants") }
        guard answer.isSuccess else { throw WireError.refused(status: answer.status, body: answer.body) }
        guard let key = Self.stringField("secret_key", in: answer.body) else {
            throw WireError.malformed("no secret_key in \(answer.body.prefix(200))")
        }
        if let receiver {
            // The merchant's endpoint is the run's receiver, under a path of its own so that
            // the receiver knows which secret signs its events.
            let token = Self.stringField("id", in: answer.body) ?? merchant.description
            guard
                let registered = await request(
                    .POST, "/v1/webhook_endpoints",
                    form: [("url", receiver.url(token: token)), ("enabled_events[0]", "*")], apiKey: key)
            else { throw WireError.malformed("no answer from /v1/webhook_endpoints") }
            guard registered.isSuccess, let secret = Self.stringField("secret", in: registered.body) else {
                throw WireError.refused(status: registered.status, body: registered.body)
            }
            receiver.register(token: token, secret: secret)
        }
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
            .POST, "/v1/payment_intents", form: form, apiKey: apiKey, idempotencyKey: idempotencyKey)
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
        await request(.GET, "/v1/payment_intents/\(id)", apiKey: apiKey)
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
        return await request(.GET, path, apiKey: apiKey)
    }

    public func searchPayments(
        apiKey: String, status: String, createdWithinSeconds: Int64, limit: Int, page: String?
    ) async -> APIResponse? {
        let since = Int64(Date().timeIntervalSince1970) - createdWithinSeconds
        let query = "status:'\(status)' AND created>=\(since)"
        var path = "/v1/payment_intents/search?limit=\(limit)&query=\(FormEncoding.escape(query))"
        if let page { path += "&page=\(FormEncoding.escape(page))" }
        return await request(.GET, path, apiKey: apiKey)
    }

    public func balance(apiKey: String) async -> APIResponse? {
        await request(.GET, "/v1/balance", apiKey: apiKey)
    }

    public func listPayouts(apiKey: String, limit: Int) async -> APIResponse? {
        await request(.GET, "/v1/payouts?limit=\(limit)", apiKey: apiKey)
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

    /// Sends one request; nil when no answer came (refused, reset or timed out connection).
    func request(
        _ method: HTTPMethod, _ path: String, form: [(String, String)] = [], apiKey: String? = nil,
        idempotencyKey: String? = nil
    ) async -> APIResponse? {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        if method == .POST {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: FormEncoding.encode(form)))
        }
        // The request's time counts from now, waiting for a slot included, as it did when
        // the pool's queue held it.
        let deadline = ContinuousClock.now + timeout
        guard await gate.enter(deadline: deadline) else { return nil }
        defer { gate.leave() }
        do {
            let remaining = ContinuousClock.now.duration(to: deadline).components
            let response = try await client.execute(
                request,
                timeout: .nanoseconds(
                    remaining.seconds * 1_000_000_000 + remaining.attoseconds / 1_000_000_000))
            let body = try await response.body.collect(upTo: 4 << 20)
            var answer = APIResponse(
                status: Int(response.status.code), body: String(buffer: body),
                replayed: response.headers.first(name: "Idempotent-Replayed") == "true")
            if let seconds = response.headers.first(name: "Retry-After").flatMap({ Int64($0) }) {
                answer.retryAfter = .seconds(seconds)
            }
            if let advice = response.headers.first(name: "Stripe-Should-Retry") {
                answer.shouldRetry = advice == "true"
            }
            if method == .POST, answer.isSuccess, let receiver, let id = answer.paymentID {
                receiver.acknowledged(id.description, idempotencyKey: idempotencyKey)
            }
            return answer
        } catch {
            return nil
        }
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

    /// A string field of a JSON body (its first occurrence).
    static func stringField(_ name: String, in body: String) -> String? {
        guard let start = body.firstRange(of: "\"\(name)\":\"")?.upperBound else { return nil }
        return String(body[start...].prefix { $0 != "\"" })
    }
}
