import Core
import PaystormRuntime
import Services

/// The journey's script: what a merchant's backend and its customer do next, step by step, as
/// the plan says (create, then capture, cancel, wait for the expiry or do nothing; then a
/// dispute or a refund).
extension Journey {
    /// What each step after the create needs: the plan, the payment, the merchant's key and the
    /// create's idempotency key (each step's key derives from it).
    struct Context {
        let plan: JourneyPlan
        let id: PaymentID
        let apiKey: String
        let idempotencyKey: String
        var merchant: MerchantID { plan.merchant }
    }

    /// How `play` left the journey.
    enum Played {
        /// The script is over: the payment it created, if any, is to be retired.
        case over(PaymentID?)
        /// The script goes on in a task of its own (`Journey.goOn`), which ends the journey.
        case handedOver
    }

    /// Runs the journey's script: the create, then the steps after it (`proceed`), here or,
    /// when it waits after the create, in a task of its own.
    func play(
        _ plan: JourneyPlan, _ outcome: inout JourneyOutcome, _ told: inout ToldState
    ) async -> Played {
        let key: String?
        do {
            key = try await apiKey(for: plan.merchant, settlement: plan.settlementCurrency)
        } catch {
            // Never sent: the new payment is shed with its merchant's onboarding (see `create`).
            wire?.noteCreateShed()
            return .over(nil)
        }
        guard let apiKey = key else {
            outcome.violation(.merchantOnboarding, "\(plan.merchant) could not be onboarded")
            outcome.counts.errors += 1
            return .over(nil)
        }
        guard let order = order(plan, &outcome) else { return .over(nil) }
        let idempotencyKey = "\(resumedKeyPrefix ?? "journey")-\(plan.number)"
        guard
            let response = await create(
                order, plan, apiKey: apiKey, idempotencyKey: idempotencyKey, &outcome, &told)
        else { return .over(nil) }
        guard response.isSuccess, let id = response.paymentID else {
            classifyFailure(response, &outcome)
            return .over(response.paymentID)
        }
        recent?.note(id, apiKey: apiKey)
        if Self.paymentStatus(response) == "canceled" {
            // Answered with a canceled intent (an authorization whose answer was lost and that
            // could only be reversed): the merchant sees it and captures nothing.
            outcome.counts.voided += 1
            return .over(id)
        }
        let context = Context(plan: plan, id: id, apiKey: apiKey, idempotencyKey: idempotencyKey)
        if waitsAfterCreate(plan) {
            goOn(context, outcome, told)
            return .handedOver
        }
        await proceed(context, &outcome, &told)
        return .over(id)
    }

    /// The steps after the create: the capture (or cancel, or none), then a dispute or a refund.
    func proceed(_ context: Context, _ outcome: inout JourneyOutcome, _ told: inout ToldState) async {
        let (plan, id) = (context.plan, context.id)
        guard await captureStep(context, &outcome, &told) else { return }
        if let dispute = plan.dispute {
            // The bank's side of a dispute has no API: over the wire the payment goes on
            // undisputed (counted).
            guard host != nil else {
                wire?.noteDisputeNotSent()
                return
            }
            await wait(dispute.after, plan.number, before: "dispute", payment: id)
            await self.dispute(
                id, dispute, number: plan.number, merchant: plan.merchant, apiKey: context.apiKey,
                idempotencyKey: context.idempotencyKey, &outcome)
            return
        }
        await refundStep(context, &outcome, &told)
    }

    /// Whether the journey waits after its create: for a later capture, cancel, refund or
    /// dispute, or for its authorization to expire.
    func waitsAfterCreate(_ plan: JourneyPlan) -> Bool {
        switch plan.capture {
        case .immediate: Self.waitsAfterCapture(plan)
        case .never: authorizationExpiryWait != nil
        case .delayed, .partial, .cancel: true
        }
    }

    /// Whether the journey waits after its capture: for a refund or a dispute.
    static func waitsAfterCapture(_ plan: JourneyPlan) -> Bool {
        if plan.dispute != nil { return true }
        if case .none = plan.refund { return false }
        return true
    }

    /// The create request of the plan: its payment method tokenized as a client would; nil (a
    /// violation of the generator) if the plan's card or account cannot be.
    private func order(_ plan: JourneyPlan, _ outcome: inout JourneyOutcome) -> PaymentOrder? {
        let method: PaymentMethod
        do {
            if plan.isBankTransfer {
                // The PAN's digits double as a (fictitious) account number: one per customer.
                method = .bankTransfer(
                    try BankAccount.tokenize(
                        accountNumber: String(plan.pan.suffix(12)), routingNumber: "110000000", country: "US",
                        token: "ba_\(plan.number)"))
            } else {
                method = .card(
                    try Card.tokenize(
                        pan: plan.pan, expiryMonth: 12, expiryYear: 2030, funding: .credit,
                        token: "tok_\(plan.number)"))
            }
        } catch {
            outcome.violation(.generator, "journey \(plan.number): \(error)")
            return nil
        }
        var manual = true
        if case .immediate = plan.capture { manual = false }
        let request = PaymentRequest(
            merchant: plan.merchant, amount: plan.amount, method: method,
            captureMethod: manual ? .manual : .automatic, customerCountry: plan.country,
            deviceID: plan.device,
            isFraudulentTruth: plan.isFraudulent)
        return PaymentOrder(request: request, pan: plan.pan, expiryMonth: 12, expiryYear: 2030)
    }

    /// Creates and confirms the payment (and, when the plan says so, sends the create again
    /// with the same idempotency key, as a merchant's retry); nil when no answer came.
    private func create(
        _ order: PaymentOrder, _ plan: JourneyPlan, apiKey: String, idempotencyKey: String,
        _ outcome: inout JourneyOutcome, _ told: inout ToldState
    ) async -> APIResponse? {
        if remote != nil && plan.isBankTransfer { wire?.noteBankTransferAsCard() }
        let create: Call = { target in
            await target.createPayment(order, apiKey: apiKey, idempotencyKey: idempotencyKey)
        }
        told.apiKey = apiKey
        var createAttemptStart = runtime.now()
        // Nothing waits after the create in this task: a journey that waits goes on in another
        // (`goOn`), so the call needs no task of its own.
        let sent = await send(create, nothingWaitsAfter: true, lastAttemptStart: &createAttemptStart)
        if let sent, sent.isShedByRunner {
            // Never sent (the runner's connections were saturated): like an arrival dropped
            // beyond the in-flight bound, counted and not answered, and nothing to check.
            wire?.noteCreateShed()
            return nil
        }
        guard
            let response = await resolve(
                "create_payment", key: idempotencyKey, number: plan.number, sent, payment: nil,
                &outcome, create)
        else {
            outcome.violation(
                .answerAfterRecovery, "\(idempotencyKey): no answer after \(Self.sendsMax) sends")
            outcome.counts.errors += 1
            return nil
        }
        told.answer = response
        if let id = response.paymentID {
            host?.acknowledged(id, response)
            acknowledgements?.acknowledged(id, response)
            live.note(plan.number, step: "create_payment answered", payment: id)
        }
        trace("create_payment", idempotencyKey, response)
        checkJournaled(response, .createPayment, &outcome)
        // Latency from the intended arrival, not from when the generator got round to it.
        outcome.latencyNanoseconds = runtime.now().nanoseconds - plan.intended.nanoseconds
        outcome.answeredNanoseconds = runtime.now().nanoseconds
        if let sent, sent.status != 429 {
            outcome.admittedLatencyNanoseconds = runtime.now().nanoseconds - createAttemptStart.nanoseconds
        }
        // A request refused before any work after every retry is given up (the report counts
        // it): the merchant's resend is of a request that was answered.
        if plan.clientRetry && !ClientRetryPolicy.isRefusedBeforeWork(response) {
            await retryCreate(create, idempotencyKey: idempotencyKey, first: response, &outcome)
        }
        return response
    }

    /// The merchant's resend of an answered create: it must get the first answer again.
    private func retryCreate(
        _ create: @escaping Call, idempotencyKey: String,
        first response: APIResponse, _ outcome: inout JourneyOutcome
    ) async {
        let retry = await send(create, nothingWaitsAfter: true) ?? response
        trace("create_payment_retry", idempotencyKey, retry)
        if retry.isShedByRunner {
            // Never sent: the resend learnt nothing, which contradicts nothing.
            wire?.noteCreateShed()
            return
        }
        checkJournaled(retry, .createPayment, &outcome)
        if retry.replayed { outcome.counts.idempotentReplays += 1 }
        if ClientRetryPolicy.isRefusedBeforeWork(retry) {
            // Refused before any work (rate limited, or the first still running): the retry
            // learnt nothing, which contradicts nothing.
            countRefusal(retry, &outcome)
        } else if retry.paymentID != response.paymentID || retry.body != response.body {
            outcome.violation(
                .oneChargePerIdempotencyKey,
                "\(idempotencyKey): first \(response.paymentID?.description ?? "-"), retry "
                    + "\(retry.paymentID?.description ?? "-")")
        }
    }

    /// The plan's capture: at once (the create captured), later, partly, never (then the
    /// authorization may expire) or a cancel. Returns whether the payment was captured and the
    /// journey goes on to its dispute or refund.
    private func captureStep(
        _ context: Context, _ outcome: inout JourneyOutcome, _ told: inout ToldState
    ) async -> Bool {
        switch context.plan.capture {
        case .immediate:
            outcome.counts.succeeded += 1
            return true
        case .never:
            await awaitExpiry(context, &outcome)
            return false
        case .cancel(let after):
            await cancelStep(context, after: after, &outcome, &told)
            return false
        case .delayed(let after), .partial(_, let after):
            await wait(after, context.plan.number, before: "capture", payment: context.id)
            var amount: Int64?
            if case .partial(let partial, _) = context.plan.capture { amount = partial }
            return await capture(context, amount: amount, &outcome, &told)
        }
    }

    /// A payment never captured: waits out its authorization's validity and reads whether it
    /// expired (only in process, and only when the scenario sets a validity).
    private func awaitExpiry(_ context: Context, _ outcome: inout JourneyOutcome) async {
        guard let expiryWait = authorizationExpiryWait, let host else {
            outcome.counts.authorizedOnly += 1
            return
        }
        await wait(expiryWait, context.plan.number, before: "authorization_expiry", payment: context.id)
        let state = await host.current().system.payment(context.id, of: context.merchant)?.payment.state
        if state == .expired {
            outcome.counts.expired += 1
        } else {
            // Captured by nobody, yet still held (a sweep the journal refused, a restart):
            // counted as held; the payment is checked as any other at retirement.
            outcome.counts.authorizedOnly += 1
        }
    }

    /// The merchant voids the authorization after `after`.
    private func cancelStep(
        _ context: Context, after: Duration, _ outcome: inout JourneyOutcome, _ told: inout ToldState
    ) async {
        let (id, merchant, apiKey) = (context.id, context.merchant, context.apiKey)
        let key = "\(context.idempotencyKey)-cancel"
        await wait(after, context.plan.number, before: "cancel", payment: id)
        let cancel: Call = { target in
            await target.cancel(id, merchant: merchant, apiKey: apiKey, idempotencyKey: key)
        }
        // Nothing follows a cancel but the journey's checks.
        let sent = await send(cancel, nothingWaitsAfter: true)
        let canceled = await resolve(
            "cancel", key: key, number: context.plan.number, sent, payment: id, &outcome, cancel)
        if let canceled {
            trace("cancel", key, canceled)
            checkJournaled(canceled, .cancel, &outcome)
        }
        if let canceled, ClientRetryPolicy.isRefusedBeforeWork(canceled) {
            countRefusal(canceled, &outcome)
            return
        }
        guard let canceled, canceled.isSuccess else {
            outcome.counts.errors += 1
            outcome.violation(
                .cancelOfAuthorizedPayment,
                "\(id): \(canceled?.body ?? "no answer after \(Self.sendsMax) sends")")
            return
        }
        told.answer = canceled
        host?.acknowledged(id, canceled)
        acknowledgements?.acknowledged(id, canceled)
        outcome.counts.voided += 1
    }

    /// Captures `amount` (all of it when nil); returns whether the payment was captured.
    private func capture(
        _ context: Context, amount: Int64?, _ outcome: inout JourneyOutcome, _ told: inout ToldState
    ) async -> Bool {
        let (id, merchant, apiKey) = (context.id, context.merchant, context.apiKey)
        let key = "\(context.idempotencyKey)-capture"
        let capture: Call = { target in
            await target.capture(
                id, amountMinorUnits: amount, merchant: merchant, apiKey: apiKey, idempotencyKey: key)
        }
        let sent = await send(capture, nothingWaitsAfter: !Self.waitsAfterCapture(context.plan))
        let captured = await resolve(
            "capture", key: key, number: context.plan.number, sent, payment: id, &outcome, capture)
        if let captured {
            trace("capture", key, captured)
            checkJournaled(captured, .capture, &outcome)
        }
        if let captured, ClientRetryPolicy.isRefusedBeforeWork(captured) {
            // Still refused after the client's retries: counted; the authorization stays held
            // until it expires, a well-defined waiting state.
            countRefusal(captured, &outcome)
            return false
        }
        guard let captured, captured.isSuccess else {
            outcome.counts.errors += 1
            outcome.violation(
                .captureOfAuthorizedPayment,
                "\(id): \(captured?.body ?? "no answer after \(Self.sendsMax) sends")")
            return false
        }
        told.answer = captured
        host?.acknowledged(id, captured)
        acknowledgements?.acknowledged(id, captured)
        outcome.counts.succeeded += 1
        return true
    }
}

extension Journey {
    /// The plan's refund, full or partial, of what is still refundable when it is due.
    func refundStep(_ context: Context, _ outcome: inout JourneyOutcome, _ told: inout ToldState) async {
        let (id, merchant, apiKey) = (context.id, context.merchant, context.apiKey)
        let after: Duration
        switch context.plan.refund {
        case .none: return
        case .full(let delay), .partial(_, let delay): after = delay
        }
        await wait(after, context.plan.number, before: "refund", payment: id)
        let refundable: Int64
        if let host {
            guard let record = await host.current().system.payment(id, of: merchant) else { return }
            refundable = record.payment.amountRefundableMinorUnits
        } else {
            // Over the wire the client refunds what it was told was captured.
            refundable = told.answer.flatMap { Self.integerField("amount_received", in: $0) } ?? 0
        }
        var amount = refundable
        if case .partial(let partial, _) = context.plan.refund { amount = min(amount, partial) }
        guard amount > 0 else { return }
        let key = "\(context.idempotencyKey)-refund"
        let refund: Call = { [amount] target in
            await target.refund(
                id, amountMinorUnits: amount, merchant: merchant, apiKey: apiKey, idempotencyKey: key)
        }
        // Nothing follows a refund but the journey's checks.
        let sent = await send(refund, nothingWaitsAfter: true)
        let refunded = await resolve(
            "refund", key: key, number: context.plan.number, sent, payment: id, &outcome, refund)
        guard let refunded else {
            outcome.violation(.refundWithinCaptured, "\(id): no answer after \(Self.sendsMax) sends")
            return
        }
        trace("refund", key, refunded)
        checkJournaled(refunded, .refund, &outcome)
        if ClientRetryPolicy.isRefusedBeforeWork(refunded) {
            countRefusal(refunded, &outcome)
        } else if refunded.isSuccess {
            told.refundedMinorUnits += amount
            if amount == refundable {
                outcome.counts.refundedFull += 1
            } else {
                outcome.counts.refundedPartial += 1
            }
        } else {
            outcome.violation(.refundWithinCaptured, "\(id): \(refunded.body)")
        }
    }
}
