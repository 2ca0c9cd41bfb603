import Core
import PaystormRuntime
import Services

/// Plays one `JourneyPlan` against the system, the way a merchant's backend and its customer
/// would: create (and maybe retry with the same idempotency key), capture later or never,
/// refund, and, on the network's side, dispute.
struct Journey: Sendable {
    let system: PaymentSystem
    let keys: KeyRing
    let metrics: RunMetrics
    let runtime: any Runtime

    func run(_ plan: JourneyPlan) async {
        defer { _ = plan }
        let system = self.system
        let settlement = plan.settlementCurrency
        guard
            let apiKey = await keys.key(
                for: plan.merchant,
                onboard: {
                    (try? await system.onboard(plan.merchant, settlementCurrency: settlement))?.secret
                })
        else {
            await metrics.violation("merchant_onboarding", "\(plan.merchant) could not be onboarded")
            await metrics.count { $0.errors += 1 }
            return
        }
        let card: Card
        do {
            card = try Card.tokenize(
                pan: plan.pan, expiryMonth: 12, expiryYear: 2030, funding: .credit,
                token: "tok_\(plan.number)")
        } catch {
            await metrics.violation("generator", "journey \(plan.number): \(error)")
            return
        }
        var manual = true
        if case .immediate = plan.capture { manual = false }
        let request = PaymentRequest(
            merchant: plan.merchant, amount: plan.amount, method: .card(card),
            captureMethod: manual ? .manual : .automatic, customerCountry: plan.country,
            deviceID: plan.device,
            isFraudulentTruth: plan.isFraudulent)
        let idempotencyKey = "journey-\(plan.number)"
        let response = await system.createPayment(request, apiKey: apiKey, idempotencyKey: idempotencyKey)
        // Latency from the intended arrival, not from when the generator got round to it.
        await metrics.authorized(latencyNanoseconds: runtime.now().nanoseconds - plan.intended.nanoseconds)
        if plan.clientRetry {
            let retry = await system.createPayment(request, apiKey: apiKey, idempotencyKey: idempotencyKey)
            if retry.replayed { await metrics.count { $0.idempotentReplays += 1 } }
            if retry.status == 409 { await metrics.count { $0.keyInUse += 1 } }
            if retry.status != 409 && (retry.paymentID != response.paymentID || retry.body != response.body) {
                await metrics.violation(
                    "one_charge_per_idempotency_key",
                    "\(idempotencyKey): first \(response.paymentID?.description ?? "-"), retry "
                        + "\(retry.paymentID?.description ?? "-")")
            }
        }
        guard response.isSuccess, let id = response.paymentID else {
            await classifyFailure(response)
            return
        }
        let merchant = plan.merchant
        switch plan.capture {
        case .immediate:
            await metrics.count { $0.succeeded += 1 }
        case .never:
            await metrics.count { $0.authorizedOnly += 1 }
            return
        case .delayed(let after), .partial(_, let after):
            try? await runtime.sleep(for: after)
            var amount: Int64?
            if case .partial(let partial, _) = plan.capture { amount = partial }
            let captured = await system.capture(
                id, amountMinorUnits: amount, merchant: merchant, apiKey: apiKey,
                idempotencyKey: "\(idempotencyKey)-capture")
            guard captured.isSuccess else {
                await metrics.count { $0.errors += 1 }
                await metrics.violation("capture_of_authorized_payment", "\(id): \(captured.body)")
                return
            }
            await metrics.count { $0.succeeded += 1 }
        }
        if let dispute = plan.dispute {
            try? await runtime.sleep(for: dispute.after)
            guard let record = await system.orchestrator.payment(id),
                record.payment.amountRefundableMinorUnits > 0
            else { return }
            do {
                try await system.orchestrator.openDispute(
                    id, amountMinorUnits: record.payment.amountRefundableMinorUnits)
                await metrics.count { $0.disputed += 1 }
                try? await runtime.sleep(for: dispute.after)
                try await system.orchestrator.closeDispute(id, won: dispute.won)
            } catch {
                await metrics.violation("dispute_lifecycle", "\(id): \(error)")
            }
            return
        }
        switch plan.refund {
        case .none:
            break
        case .full(let after), .partial(_, let after):
            try? await runtime.sleep(for: after)
            guard let record = await system.orchestrator.payment(id) else { return }
            var amount = record.payment.amountRefundableMinorUnits
            if case .partial(let partial, _) = plan.refund { amount = min(amount, partial) }
            guard amount > 0 else { return }
            let refunded = await system.refund(
                id, amountMinorUnits: amount, merchant: merchant, apiKey: apiKey,
                idempotencyKey: "\(idempotencyKey)-refund")
            if refunded.isSuccess {
                let full = amount == record.payment.amountRefundableMinorUnits
                await metrics.count { full ? ($0.refundedFull += 1) : ($0.refundedPartial += 1) }
            } else {
                await metrics.violation("refund_within_captured", "\(id): \(refunded.body)")
            }
        }
    }

    private func classifyFailure(_ response: APIResponse) async {
        switch response.status {
        case 402:
            let code = response.errorCode ?? "card_declined"
            await metrics.declined(code)
            await metrics.count {
                switch code {
                case "fraudulent": $0.blocked += 1
                case "authentication_required": $0.abandoned3DS += 1
                default: $0.declined += 1
                }
            }
        case 429:
            await metrics.count { $0.rateLimited += 1 }
        default:
            await metrics.count { $0.errors += 1 }
        }
    }
}
