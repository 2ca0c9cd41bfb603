import Core
import Ledger
import Services

/// Routes outside `/v1` for whoever runs the double: onboard merchants and issue their keys,
/// reset all data, switch faults on and off at runtime, read the audit. Answers plain JSON.
struct AdminAPI: Sendable {
    let backend: @Sendable () -> ServerBackend
    let reset: @Sendable () async throws -> ServerBackend

    /// `webhook_url` also registers the new merchant's endpoint for every event (answered as
    /// `webhook_endpoint`, with its secret): a load runner onboards a merchant for most payments
    /// of a Black Friday, and one request instead of two takes a request off each of them.
    func onboard(_ request: APIRequest) async throws(StripeError) -> APIAnswer {
        try request.form.onlyAllow(["settlement_currency", "api_key", "webhook_url"])
        var webhookTarget: WebhookTarget?
        if let url = request.form.string("webhook_url") {
            webhookTarget = try StripeAPI.endpointURL(url, param: "webhook_url")
        }
        var currency: Currency?
        if let code = request.form.string("settlement_currency") {
            do {
                currency = try Currency(code: code)
            } catch {
                throw StripeError.invalid("settlement_currency", "Invalid currency: \(code.prefix(16)).")
            }
        }
        do {
            let backend = backend()
            let (merchant, key) = try await backend.onboard(
                secretKey: request.form.string("api_key"), currency: currency)
            let account: [(String, JSON)] = [
                ("id", .string(merchant.description)), ("object", "account"),
                ("secret_key", .string(key)),
                ("settlement_currency", .string((currency ?? backend.settlementCurrency).code.lowercased())),
            ]
            guard let webhookTarget else { return APIAnswer(json: .object(account)) }
            return await StripeAPI.registerEndpoint(
                of: merchant, target: webhookTarget, events: ["*"], description: nil, metadata: [:], backend
            ) { endpoint in
                APIAnswer(
                    json: .object(
                        account + [
                            ("webhook_endpoint", StripeRenderer.webhookEndpoint(endpoint, withSecret: true))
                        ]
                    ))
            }
        } catch let error as StripeError {
            throw error
        } catch {
            throw StripeError.internalError("onboarding failed: \(error)")
        }
    }

    func resetAll(_ request: APIRequest) async throws(StripeError) -> APIAnswer {
        do {
            _ = try await reset()
        } catch let error as StripeError {
            throw error
        } catch {
            throw StripeError.internalError("reset failed: \(error)")
        }
        return APIAnswer(json: .object([("object", "reset"), ("ok", true)]))
    }

    /// Runs the daily settlement now (`serve` runs none on a schedule): captured payments
    /// settle and every merchant with a positive balance is paid out (`/v1/payouts`).
    func settle(_ request: APIRequest) async throws(StripeError) -> APIAnswer {
        try request.form.onlyAllow([])
        let backend = backend()
        let summary = await backend.system.runDailySettlement()
        // The payouts' bookings are journaled by the processor; this commits the events the
        // settlement emitted, so that what the answer reports is durable.
        return await backend.durable(
            APIAnswer(
                json: .object([
                    ("object", "settlement"), ("payments_settled", .integer(Int64(summary.paymentsSettled))),
                    ("payouts", .integer(Int64(summary.payouts))),
                    (
                        "paid_out",
                        .object(
                            summary.paidOut.keys.sorted().map {
                                ($0.lowercased(), .integer(summary.paidOut[$0]!))
                            })
                    ),
                ])))
    }

    /// `kind=network_outage&target=visa&on=true`, `kind=network_timeouts&rate=0.3`,
    /// `kind=network_latency&milliseconds=800`, `kind=healthy` (everything off).
    func fault(_ request: APIRequest) async throws(StripeError) -> APIAnswer {
        let form = request.form
        try form.onlyAllow(["kind", "target", "on", "rate", "milliseconds"])
        let kind = try form.requiredString("kind")
        let target = form.string("target") ?? "all"
        let networks = backend().system.networks.filter { target == "all" || $0.key.rawValue == target }
        guard !networks.isEmpty else {
            throw StripeError.invalid("target", "Unknown network: \(target.prefix(32)).")
        }
        switch kind {
        case "network_outage":
            let on = try form.boolean("on") ?? true
            for network in networks.values { network.setOutage(on) }
        case "network_timeouts", "network_latency", "healthy":
            let rateText = form.string("rate") ?? "0"
            guard let rate = Double(rateText), (0...1).contains(rate) else {
                throw StripeError.invalid("rate", "rate must be a number in 0...1.")
            }
            let milliseconds = try form.integer("milliseconds") ?? 0
            guard (0...60_000).contains(milliseconds) else {
                throw StripeError.invalid("milliseconds", "milliseconds must be in 0...60000.")
            }
            let fault =
                kind == "healthy"
                ? NetworkFault.healthy
                : NetworkFault(
                    timeoutRate: kind == "network_timeouts" ? rate : 0,
                    addedLatency: .milliseconds(kind == "network_latency" ? milliseconds : 0))
            for network in networks.values {
                try? network.setFault(fault)
                if kind == "healthy" { network.setOutage(false) }
            }
        default:
            throw StripeError.invalid(
                "kind",
                "Unknown fault: \(kind.prefix(32)); one of network_outage, network_timeouts, network_latency, healthy."
            )
        }
        return try await faults()
    }

    func faults() async throws(StripeError) -> APIAnswer {
        var rows: [JSON] = []
        for (kind, network) in backend().system.networks.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let fault = network.fault
            let latency = fault.addedLatency.components
            rows.append(
                .object([
                    ("network", .string(kind.rawValue)), ("down", .bool(network.isDown)),
                    ("timeout_rate_ppm", .integer(Int64(fault.timeoutRate * 1_000_000))),
                    (
                        "added_latency_ms",
                        .integer(latency.seconds * 1_000 + latency.attoseconds / 1_000_000_000_000_000)
                    ),
                ]))
        }
        return APIAnswer(json: .object([("object", "faults"), ("networks", .array(rows))]))
    }

    /// The ledger's balance per currency (every transfer balances, so each sum is zero) and the
    /// webhook figures.
    func audit(_ request: APIRequest) async throws(StripeError) -> APIAnswer {
        let backend = backend()
        var sums: [Currency: Int64] = [:]
        var overflowed = false
        for snapshot in await backend.system.ledgerBalances() {
            guard let currency = snapshot.account.currency else { continue }
            let (sum, overflow) = sums[currency, default: 0].addingReportingOverflow(snapshot.balance)
            overflowed = overflowed || overflow
            sums[currency] = sum
        }
        let balanced = !overflowed && sums.values.allSatisfy { $0 == 0 }
        let webhooks = backend.sender.statistics
        return APIAnswer(
            json: .object([
                ("object", "audit"),
                ("ledger_balanced", .bool(balanced)),
                (
                    "ledger_sum_by_currency",
                    .object(sums.keys.sorted().map { ($0.code.lowercased(), .integer(sums[$0]!)) })
                ),
                (
                    "webhooks",
                    .object([
                        ("delivered", .integer(Int64(webhooks.delivered))),
                        ("failed_attempts", .integer(Int64(webhooks.failedAttempts))),
                        ("dead_lettered", .integer(Int64(webhooks.deadLettered))),
                    ])
                ),
            ]))
    }
}
