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
        /// The script waits for its next step in the timetable (`Journey.goOn`), and the task
        /// that goes on after the wait ends the journey.
        case handedOver
    }

    /// A step of the script after the create.
    enum Stage: Sendable {
        /// The plan's capture: at once (the create captured), later, partly, a cancel, never
        /// (then perhaps a read of the authorization's expiry).
        case capture
        case laterCapture
        case cancel
        case expiryRead
        /// After the capture: a dispute, a refund or nothing.
        case afterCapture
        case dispute
        case refund
    }

    /// A wait before a step: how long, what it waits for (the liveness phase's note), the step.
    struct Wait: Sendable {
        let duration: Duration
        let before: String
        let then: Stage
    }

    /// What a step leaves to do.
    enum Next {
        case over
        case then(Stage)
        case wait(Wait)
    }

    /// Runs the journey's script: the create, then the steps after it (`proceed`).
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
        return await proceed(context, from: .capture, &outcome, &told)
    }

    /// The steps after the create from `stage` on, until the script is over or waits: then
    /// the timetable has the journey (`goOn`).
    func proceed(
        _ context: Context, from stage: Stage, _ outcome: inout JourneyOutcome, _ told: inout ToldState
    ) async -> Played {
        var stage = stage
        while true {
            switch await step(stage, context, &outcome, &told) {
            case .over: return .over(context.id)
            case .then(let next): stage = next
            case .wait(let wait):
                goOn(after: wait, context, outcome, told)
                return .handedOver
            }
        }
    }

    /// One step of the script.
    private func step(
        _ stage: Stage, _ context: Context, _ outcome: inout JourneyOutcome, _ told: inout ToldState
    ) async -> Next {
        let plan = context.plan
        switch stage {
        case .capture:
            switch plan.capture {
            case .immediate:
                outcome.counts.succeeded += 1
                return .then(.afterCapture)
            case .never:
                // Only in process, and only when the scenario sets a validity, does the
                // journey wait out its authorization and read whether it expired.
                guard let expiryWait = authorizationExpiryWait, host != nil else {
                    outcome.counts.authorizedOnly += 1
                    return .over
                }
                return .wait(Wait(duration: expiryWait, before: "authorization_expiry", then: .expiryRead))
            case .cancel(let after):
                return .wait(Wait(duration: after, before: "cancel", then: .cancel))
            case .delayed(let after), .partial(_, let after):
                return .wait(Wait(duration: after, before: "capture", then: .laterCapture))
            }
        case .laterCapture:
            var amount: Int64?
            if case .partial(let partial, _) = plan.capture { amount = partial }
            return await capture(context, amount: amount, &outcome, &told) ? .then(.afterCapture) : .over
        case .cancel:
            await cancel(context, &outcome, &told)
            return .over
        case .expiryRead:
            await readExpiry(context, &outcome)
            return .over
        case .afterCapture:
            if let dispute = plan.dispute {
                // The bank's side of a dispute has no API: over the wire the payment goes on
                // undisputed (counted).
                guard host != nil else {
                    wire?.noteDisputeNotSent()
                    return .over
                }
                return .wait(Wait(duration: dispute.after, before: "dispute", then: .dispute))
            }
            switch plan.refund {
            case .none: return .over
            case .full(let after), .partial(_, let after):
                return .wait(Wait(duration: after, before: "refund", then: .refund))
            }
        case .dispute:
            guard let dispute = plan.dispute else { return .over }
            await self.dispute(
                context.id, dispute, number: plan.number, merchant: plan.merchant, apiKey: context.apiKey,
                idempotencyKey: context.idempotencyKey, &outcome)
            return .over
        case .refund:
            await refund(context, &outcome, &told)
            return .over
        }
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

    /// A payment never captured has waited out its authorization's validity: reads whether it
    /// expired.
    private func readExpiry(_ context: Context, _ outcome: inout JourneyOutcome) async {
        guard let host else { return }
        let state = await host.current().system.payment(context.id, of: context.merchant)?.payment.state
        if state == .expired {
            outcome.counts.expired += 1
        } else {
            // Captured by nobody, yet still held (a sweep the journal refused, a restart):
            // counted as held; the payment is checked as any other at retirement.
            outcome.counts.authorizedOnly += 1
        }
    }

    /// The merchant voids the authorization.
    private func cancel(_ context: Context, _ outcome: inout JourneyOutcome, _ told: inout ToldState) async {
        let (id, merchant, apiKey) = (context.id, context.merchant, context.apiKey)
        let key = "\(context.idempotencyKey)-cancel"
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
        // A wait after the capture is the timetable's, not this task's.
        let sent = await send(capture, nothingWaitsAfter: true)
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
    /// The plan's refund, full or partial, of what is still refundable now that it is due.
    func refund(_ context: Context, _ outcome: inout JourneyOutcome, _ told: inout ToldState) async {
        let (id, merchant, apiKey) = (context.id, context.merchant, context.apiKey)
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
