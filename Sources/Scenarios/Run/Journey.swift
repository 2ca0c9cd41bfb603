import Core
import PaystormRuntime
import Services

/// Plays one `JourneyPlan` against the system, the way a merchant's backend and its customer
/// would: create (and maybe retry with the same idempotency key), capture later or never,
/// refund, and, on the network's side, dispute. When the journey ends its payment is checked
/// and retired, so invariants are checked continuously and memory holds only live payments.
///
/// It reaches the system through the run's `SystemHost`: when the system crashes while a call
/// is in flight, the answer never comes, and the journey sends the same request again (same
/// idempotency key) once the system is back, as a real client does after a timeout.
struct Journey: Sendable {
    /// The in-process system's host; nil when the journeys drive `remote` instead.
    let host: SystemHost?
    let keys: KeyRing
    let metrics: RunMetrics
    let runtime: any Runtime
    /// The run's journal, when it has one: every 2xx answer must have been journaled before the
    /// client got it.
    var journal: ChaosJournal?
    /// The run's fault schedule, told of each merchant onboarded (webhook faults follow them).
    var faults: FaultSchedule?
    /// Where the clients note each successful answer they received (`--acknowledgements`).
    var acknowledgements: AcknowledgementLog?
    /// The run resumed a journaled system (`--resume`): its merchants exist already, so a
    /// client that finds its merchant onboarded asks for a key instead, and idempotency keys
    /// take this prefix so that they do not collide with the earlier run's `journey-N` keys.
    var resumedKeyPrefix: String?

    /// Where each journey in flight stands, for the liveness phase; and whether the faults are
    /// healed (the moment final reads of unknown outcomes are made).
    var live = LiveJourneys()
    /// How clients retry refused requests (Stripe's SDKs), and the jitter they draw.
    var retryPolicy = ClientRetryPolicy.stripe
    var retryJitter: ClientRetryJitter
    /// The API over the wire (`--target`), instead of `host`'s in-process system: the same
    /// journeys, checked at their end against what the API shows (`checkRemote`).
    var remote: (any PaymentTarget)?
    /// What a run over the wire counts beside the journeys' outcomes.
    var wire: WireFigures?
    /// Where acknowledged payments go for the read traffic to read.
    var recent: RecentPayments?
    /// How long after its authorization a payment never captured must have expired (the
    /// scenario's `authorization_validity` plus the expiry sweep's interval): a journey that
    /// never captures waits that long, then reads whether it did. Nil: it does not wait.
    var authorizationExpiryWait: Duration?

    static let unknownResolvedInvariant = "unknown_outcome_resolves_to_one_state"
    static let failedNeverCapturedInvariant = "failed_payment_never_captured"

    /// Retryable refusals (503 `journal_unavailable`) a client resends at most per request, and
    /// its backoff between them (doubling from the first to the longest): about 11 s in all.
    static let refusalsRetriedMax = 10
    static let refusalBackoff = Backoff(first: .milliseconds(50), max: .seconds(2))

    /// A refusal the client should resend as it was, same idempotency key.
    static func isRetryableRefusal(_ response: APIResponse) -> Bool {
        response.status == 503 && response.errorCode == "journal_unavailable"
    }

    /// An outcome the client cannot know: no answer at all, or a server error (the work may or
    /// may not have happened).
    static func isUnknown(_ response: APIResponse?) -> Bool {
        guard let response else { return true }
        return response.status >= 500
    }

    static let acknowledgedJournaledInvariant = "every_acknowledged_answer_journaled"

    /// Checks that a successful, first-time answer was durable before it reached the client.
    private func checkJournaled(
        _ response: APIResponse, _ operation: APIOperation, _ outcome: inout JourneyOutcome
    ) {
        guard let journal, response.isSuccess, !response.replayed, let id = response.paymentID else { return }
        if journal.takeAcknowledgement(of: id, operation) == false {
            outcome.violation(
                Self.acknowledgedJournaledInvariant,
                "\(operation) of \(id) answered \(response.status) unjournaled")
        }
    }

    func run(_ plan: JourneyPlan) async {
        var outcome = JourneyOutcome()
        outcome.intendedNanoseconds = plan.intended.nanoseconds
        live.begin(plan.number, key: "journey-\(plan.number)")
        var told = ToldState()
        if let id = await play(plan, &outcome, &told) {
            live.note(plan.number, step: "retire", payment: id)
            if let remote {
                await checkRemote(id, merchant: plan.merchant, told: told, remote, &outcome)
            } else {
                await retire(id, &outcome)
            }
        }
        live.end(plan.number)
        metrics.record(outcome)
    }

    /// Sleeps until the plan's next step, noted as a well-defined wait.
    private func wait(_ duration: Duration, _ number: Int, before step: String, payment: PaymentID) async {
        live.note(number, step: step, payment: payment, waitingUntil: runtime.now() + duration)
        try? await runtime.sleep(for: duration)
        live.note(number, step: step, payment: payment)
    }

    /// Jepsen's final read of an outcome the client never learnt (no answer, or a server
    /// error): once the faults are healed, the same request is sent again with the same
    /// idempotency key, twice. The system must by then give one definite answer, the same both
    /// times (the first request's, replayed, or the work it began, finished once), and the
    /// payment it names must be final or in a well-defined waiting state.
    /// - Returns: the answer to go on with (`first` when it was known already).
    private func resolve(
        _ operation: String, key: String, number: Int, _ first: APIResponse?, payment: PaymentID?,
        _ outcome: inout JourneyOutcome, _ call: (any PaymentTarget) async -> APIResponse?
    ) async -> APIResponse? {
        guard Self.isUnknown(first) else { return first }
        live.noteUnknownResolved()
        live.note(number, step: "final_read \(operation)", payment: payment)
        while !live.isHealed && !live.isClosed { try? await runtime.sleep(for: .milliseconds(100)) }
        let read = await send(call, policy: .finalRead)
        let again = await send(call, policy: .finalRead)
        if let read, ClientRetryPolicy.isRefusedBeforeWork(read) {
            // Still refused after every retry (the rate limit, the key's first request still
            // running): an answer the report counts, not one that contradicts anything.
            countRefusal(read, &outcome)
            return read
        }
        guard let read, !Self.isUnknown(read) else {
            outcome.violation(
                Self.unknownResolvedInvariant,
                "\(key): \(operation) still unknown after the heal: \(read?.body ?? "no answer")")
            return read
        }
        if let again, ClientRetryPolicy.isRefusedBeforeWork(again) {
            countRefusal(again, &outcome)
        } else if again?.status != read.status || again?.body != read.body {
            outcome.violation(
                Self.unknownResolvedInvariant,
                "\(key): \(operation) read \(read.status) then \(again.map { String($0.status) } ?? "no answer")"
            )
        }
        if let host, let id = read.paymentID ?? payment,
            let record = await host.current().system.paymentNow(id)
        {
            switch record.payment.state {
            case .created, .requiresAction, .authorizationUnknown:
                outcome.violation(
                    Self.unknownResolvedInvariant,
                    "\(key): \(operation) read \(read.status), \(id) left \(record.payment.state)")
            default:
                break
            }
        }
        return read
    }

    /// Sends a request more than this many times only if the system keeps crashing under it.
    static let sendsMax = 8

    /// One API call as a client makes it: if the system dies while the call is in flight, the
    /// answer is lost and the same call is made again on the next life (nil after `sendsMax`).
    /// A retryable refusal (`isRetryableRefusal`) is sent again after a backoff, at most
    /// `refusalsRetriedMax` times; then the refusal is the answer (an unknown outcome). Any
    /// other 409, 429 or 5xx is retried as Stripe's SDKs do (`policy`), same idempotency key.
    func send(
        _ call: (any PaymentTarget) async -> APIResponse?, policy: ClientRetryPolicy? = nil
    ) async -> APIResponse? {
        var lastAttemptStart = runtime.now()
        return await send(call, policy: policy, lastAttemptStart: &lastAttemptStart)
    }

    /// `send`, saying when its last attempt was sent.
    private func send(
        _ call: (any PaymentTarget) async -> APIResponse?, policy: ClientRetryPolicy? = nil,
        lastAttemptStart: inout SimTime
    ) async -> APIResponse? {
        let policy = policy ?? retryPolicy
        var lost = 0
        var refusals = 0
        var retries = 0
        var backoffRetries = 0
        var lostSince: SimTime?
        while lost < Self.sendsMax || isStillPatient(since: lostSince) {
            let response: APIResponse
            lastAttemptStart = runtime.now()
            if let remote {
                // No answer (connection refused, reset or timed out): sent again after a
                // backoff, same idempotency key.
                guard let answer = await call(remote) else {
                    wire?.noteLostAnswer()
                    lost += 1
                    lostSince = lostSince ?? runtime.now()
                    try? await runtime.sleep(for: Self.refusalBackoff.delay(afterRetries: backoffRetries))
                    backoffRetries += 1
                    continue
                }
                response = answer
            } else if let host {
                let (system, generation) = await host.current()
                let answer = await call(InProcessTarget(system: system))
                guard host.isAlive(generation), let answer else {
                    host.noteLostAnswer()
                    lost += 1
                    continue
                }
                response = answer
            } else {
                return nil
            }
            if Self.isRetryableRefusal(response), refusals < Self.refusalsRetriedMax, !live.isClosed {
                refusals += 1
                live.noteRefusalRetried()
                try? await runtime.sleep(for: Self.refusalBackoff.delay(afterRetries: backoffRetries))
                backoffRetries += 1
                continue
            }
            if !Self.isRetryableRefusal(response), policy.shouldRetry(response, retriesMade: retries),
                !live.isClosed
            {
                let wait = retryJitter.delay(policy, retriesMade: retries, response)
                retries += 1
                metrics.count { $0.clientRetries += 1 }
                try? await runtime.sleep(for: wait)
                continue
            }
            return response
        }
        return nil
    }

    /// How long a client over the wire goes on resending a request whose answers are lost,
    /// from the first loss, once `sendsMax` sends are spent: a server restarting (resuming its
    /// journal) refuses connections for longer than those sends' backoffs (about 7 s).
    static let lostAnswersPatience: Duration = .seconds(60)

    /// Whether a client over the wire that first lost an answer at `since` still resends.
    func isStillPatient(since: SimTime?) -> Bool {
        guard remote != nil, let since, !live.isClosed else { return false }
        return runtime.now() - since < Self.lostAnswersPatience
    }

    /// Counts a request still refused before any work after the client's retries: rate
    /// limited (429) or its key's first request still running (409).
    private func countRefusal(_ response: APIResponse, _ outcome: inout JourneyOutcome) {
        if response.status == 429 {
            outcome.counts.rateLimited += 1
        } else {
            outcome.counts.keyInUse += 1
        }
    }

    /// The merchant's API key: onboarding it first if no journey has (one onboarding per
    /// merchant however many journeys ask at once; see `KeyRing`). Nil if it could not be
    /// onboarded after every retry.
    /// - Parameter waitingForHeal: whether a client still refused after its retries waits for
    ///   the faults' heal and tries once more (a journey does; onboarding before the load must
    ///   not, as the heal comes after the load).
    func apiKey(for merchant: MerchantID, settlement: Currency, waitingForHeal: Bool = true) async -> String?
    {
        let host = self.host
        let remote = self.remote
        let faults = self.faults
        let runtime = self.runtime
        let live = self.live
        return await keys.key(for: merchant) {
            var refusals = 0
            var attempts = 0
            var waitedForHeal = false
            while attempts < Self.sendsMax {
                let target: any PaymentTarget
                var generation = 0
                if let remote {
                    target = remote
                } else if let host {
                    let current = await host.current()
                    target = InProcessTarget(system: current.system)
                    generation = current.generation
                } else {
                    return nil
                }
                var key: String?
                var refused = false
                do {
                    key = try await target.onboard(merchant, settlementCurrency: settlement)
                } catch {
                    // The journal refused it (undone), or no answer came over the wire: send it
                    // again after a backoff.
                    refused = true
                }
                if let host, !host.isAlive(generation) {
                    host.noteLostAnswer()
                    attempts += 1
                    continue
                }
                if refused, refusals < Self.refusalsRetriedMax, !live.isClosed {
                    refusals += 1
                    live.noteRefusalRetried()
                    // Onboarding stops doubling at 1.6 s, as it always has: another wait would draw
                    // another run from the same seed.
                    try? await runtime.sleep(for: Self.refusalBackoff.delay(afterRetries: min(refusals, 5)))
                    continue
                }
                if refused, !waitedForHeal, waitingForHeal {
                    // Still refused: tried once more after the heal (its final read).
                    waitedForHeal = true
                    refusals = 0
                    live.noteUnknownResolved()
                    while !live.isHealed && !live.isClosed {
                        try? await runtime.sleep(for: .milliseconds(100))
                    }
                    continue
                }
                await faults?.merchantOnboarded(merchant)
                return key
            }
            return nil
        }
    }

    /// Runs the journey; returns the payment it created, if any.
    private func play(
        _ plan: JourneyPlan, _ outcome: inout JourneyOutcome, _ told: inout ToldState
    ) async -> PaymentID? {
        let host = self.host
        let runtime = self.runtime
        let live = self.live
        let settlement = plan.settlementCurrency
        guard let apiKey = await apiKey(for: plan.merchant, settlement: settlement)
        else {
            outcome.violation("merchant_onboarding", "\(plan.merchant) could not be onboarded")
            outcome.counts.errors += 1
            return nil
        }
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
            outcome.violation("generator", "journey \(plan.number): \(error)")
            return nil
        }
        var manual = true
        if case .immediate = plan.capture { manual = false }
        let request = PaymentRequest(
            merchant: plan.merchant, amount: plan.amount, method: method,
            captureMethod: manual ? .manual : .automatic, customerCountry: plan.country,
            deviceID: plan.device,
            isFraudulentTruth: plan.isFraudulent)
        let idempotencyKey = "\(resumedKeyPrefix ?? "journey")-\(plan.number)"
        let order = PaymentOrder(request: request, pan: plan.pan, expiryMonth: 12, expiryYear: 2030)
        if remote != nil && plan.isBankTransfer { wire?.noteBankTransferAsCard() }
        let create: (any PaymentTarget) async -> APIResponse? = { target in
            await target.createPayment(order, apiKey: apiKey, idempotencyKey: idempotencyKey)
        }
        told.apiKey = apiKey
        var createAttemptStart = runtime.now()
        let sent = await send(create, lastAttemptStart: &createAttemptStart)
        guard
            let response = await resolve(
                "create_payment", key: idempotencyKey, number: plan.number, sent, payment: nil,
                &outcome, create)
        else {
            outcome.violation(
                "answer_after_recovery", "\(idempotencyKey): no answer after \(Self.sendsMax) sends")
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
            let retry =
                await send({ await $0.createPayment(order, apiKey: apiKey, idempotencyKey: idempotencyKey) })
                ?? response
            trace("create_payment_retry", idempotencyKey, retry)
            checkJournaled(retry, .createPayment, &outcome)
            if retry.replayed { outcome.counts.idempotentReplays += 1 }
            if ClientRetryPolicy.isRefusedBeforeWork(retry) {
                // Refused before any work (rate limited, or the first still running): the retry
                // learnt nothing, which contradicts nothing.
                countRefusal(retry, &outcome)
            } else if retry.paymentID != response.paymentID || retry.body != response.body {
                outcome.violation(
                    "one_charge_per_idempotency_key",
                    "\(idempotencyKey): first \(response.paymentID?.description ?? "-"), retry "
                        + "\(retry.paymentID?.description ?? "-")")
            }
        }
        guard response.isSuccess, let id = response.paymentID else {
            classifyFailure(response, &outcome)
            return response.paymentID
        }
        recent?.note(id, apiKey: apiKey)
        if Self.paymentStatus(response) == "canceled" {
            // Answered with a canceled intent (an authorization whose answer was lost and that
            // could only be reversed): the merchant sees it and captures nothing.
            outcome.counts.voided += 1
            return id
        }
        let merchant = plan.merchant
        switch plan.capture {
        case .immediate:
            outcome.counts.succeeded += 1
        case .never:
            guard let expiryWait = authorizationExpiryWait, let host else {
                outcome.counts.authorizedOnly += 1
                return id
            }
            await wait(expiryWait, plan.number, before: "authorization_expiry", payment: id)
            let state = await host.current().system.payment(id, of: merchant)?.payment.state
            if state == .expired {
                outcome.counts.expired += 1
            } else {
                // Captured by nobody, yet still held (a sweep the journal refused, a restart):
                // counted as held; the payment is checked as any other at retirement.
                outcome.counts.authorizedOnly += 1
            }
            return id
        case .cancel(let after):
            await wait(after, plan.number, before: "cancel", payment: id)
            let cancel: (any PaymentTarget) async -> APIResponse? = { target in
                await target.cancel(
                    id, merchant: merchant, apiKey: apiKey, idempotencyKey: "\(idempotencyKey)-cancel")
            }
            let canceled = await resolve(
                "cancel", key: "\(idempotencyKey)-cancel", number: plan.number, await send(cancel),
                payment: id,
                &outcome, cancel)
            if let canceled {
                trace("cancel", "\(idempotencyKey)-cancel", canceled)
                checkJournaled(canceled, .cancel, &outcome)
            }
            if let canceled, ClientRetryPolicy.isRefusedBeforeWork(canceled) {
                countRefusal(canceled, &outcome)
                return id
            }
            guard let canceled, canceled.isSuccess else {
                outcome.counts.errors += 1
                outcome.violation(
                    "cancel_of_authorized_payment",
                    "\(id): \(canceled?.body ?? "no answer after \(Self.sendsMax) sends")")
                return id
            }
            told.answer = canceled
            host?.acknowledged(id, canceled)
            acknowledgements?.acknowledged(id, canceled)
            outcome.counts.voided += 1
            return id
        case .delayed(let after), .partial(_, let after):
            await wait(after, plan.number, before: "capture", payment: id)
            var amount: Int64?
            if case .partial(let partial, _) = plan.capture { amount = partial }
            let capture: (any PaymentTarget) async -> APIResponse? = { [amount] target in
                await target.capture(
                    id, amountMinorUnits: amount, merchant: merchant, apiKey: apiKey,
                    idempotencyKey: "\(idempotencyKey)-capture")
            }
            let captured = await resolve(
                "capture", key: "\(idempotencyKey)-capture", number: plan.number, await send(capture),
                payment: id, &outcome, capture)
            if let captured {
                trace("capture", "\(idempotencyKey)-capture", captured)
                checkJournaled(captured, .capture, &outcome)
            }
            if let captured, ClientRetryPolicy.isRefusedBeforeWork(captured) {
                // Still refused after the client's retries: counted; the authorization stays
                // held until it expires, a well-defined waiting state.
                countRefusal(captured, &outcome)
                return id
            }
            guard let captured, captured.isSuccess else {
                outcome.counts.errors += 1
                outcome.violation(
                    "capture_of_authorized_payment",
                    "\(id): \(captured?.body ?? "no answer after \(Self.sendsMax) sends")")
                return id
            }
            told.answer = captured
            host?.acknowledged(id, captured)
            acknowledgements?.acknowledged(id, captured)
            outcome.counts.succeeded += 1
        }
        if let dispute = plan.dispute {
            // The bank's side of a dispute has no API: over the wire the payment goes on
            // undisputed (counted).
            guard host != nil else {
                wire?.noteDisputeNotSent()
                return id
            }
            await wait(dispute.after, plan.number, before: "dispute", payment: id)
            await self.dispute(
                id, dispute, number: plan.number, merchant: merchant, apiKey: apiKey,
                idempotencyKey: idempotencyKey, &outcome)
            return id
        }
        switch plan.refund {
        case .none:
            break
        case .full(let after), .partial(_, let after):
            await wait(after, plan.number, before: "refund", payment: id)
            let refundable: Int64
            if let host {
                guard let record = await host.current().system.payment(id, of: merchant) else { return id }
                refundable = record.payment.amountRefundableMinorUnits
            } else {
                // Over the wire the client refunds what it was told was captured.
                refundable = told.answer.flatMap { Self.integerField("amount_received", in: $0) } ?? 0
            }
            var amount = refundable
            if case .partial(let partial, _) = plan.refund { amount = min(amount, partial) }
            guard amount > 0 else { return id }
            let refund: (any PaymentTarget) async -> APIResponse? = { [amount] target in
                await target.refund(
                    id, amountMinorUnits: amount, merchant: merchant, apiKey: apiKey,
                    idempotencyKey: "\(idempotencyKey)-refund")
            }
            let refunded = await resolve(
                "refund", key: "\(idempotencyKey)-refund", number: plan.number, await send(refund),
                payment: id, &outcome, refund)
            guard let refunded else {
                outcome.violation("refund_within_captured", "\(id): no answer after \(Self.sendsMax) sends")
                return id
            }
            trace("refund", "\(idempotencyKey)-refund", refunded)
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
                outcome.violation("refund_within_captured", "\(id): \(refunded.body)")
            }
        }
        return id
    }

    /// A dispute, Stripe's flow: the cardholder's bank (through the network, not an API call
    /// with a key) opens an inquiry or a chargeback; the merchant answers with evidence through
    /// the API; the bank closes or escalates the inquiry, then decides the chargeback (an
    /// unanswered one is lost). After a crash the network looks at the payment again and does
    /// only the step it had not seen done; a step the journal refused is done again.
    private func dispute(
        _ id: PaymentID, _ plan: JourneyPlan.Dispute, number: Int, merchant: MerchantID, apiKey: String,
        idempotencyKey: String, _ outcome: inout JourneyOutcome
    ) async {
        guard let host else { return }
        var opened = false
        var lost = 0
        var refusals = 0
        while lost < Self.sendsMax {
            let (system, generation) = await host.current()
            guard let record = await system.payment(id, of: merchant) else { return }
            if record.payment.dispute != nil {
                opened = true
                break
            }
            guard record.payment.amountRefundableMinorUnits > 0 else { return }
            do {
                // The bank disputes what was captured and not refunded.
                _ = try await system.openDispute(id, isInquiry: plan.isInquiry)
                if host.isAlive(generation) {
                    opened = true
                    break
                }
            } catch {
                if host.isAlive(generation) {
                    if await retryAfterRefusal(error, &refusals) { continue }
                    outcome.violation("dispute_lifecycle", "\(id): \(error)")
                    return
                }
            }
            host.noteLostAnswer()
            lost += 1
        }
        guard opened else { return }
        outcome.counts.disputed += 1
        // Evidence a merchant meant to submit but could not (still rate limited after its
        // retries) leaves the dispute unanswered, and an unanswered chargeback is lost.
        var answered = plan.isAnswered
        if plan.isInquiry {
            if plan.isAnswered {
                await wait(plan.after, number, before: "submit_inquiry_evidence", payment: id)
                switch await submitEvidence(
                    id, when: .warningNeedsResponse, number: number, merchant: merchant, apiKey: apiKey,
                    idempotencyKey: "\(idempotencyKey)-inquiry-evidence", &outcome)
                {
                case .submitted: break
                case .unanswered: answered = false
                case .failed: return
                }
            }
            await wait(plan.after, number, before: "close_inquiry", payment: id)
            let isOpenInquiry = { (status: DisputeStatus?) in
                status == .warningNeedsResponse || status == .warningUnderReview
            }
            guard plan.escalates else {
                _ = await networkStep(id, when: isOpenInquiry, &outcome) { try await $0.closeInquiry(id) }
                return
            }
            guard await networkStep(id, when: isOpenInquiry, &outcome, { try await $0.escalateInquiry(id) })
            else { return }
        }
        if answered {
            await wait(plan.after, number, before: "submit_evidence", payment: id)
            switch await submitEvidence(
                id, when: .needsResponse, number: number, merchant: merchant, apiKey: apiKey,
                idempotencyKey: "\(idempotencyKey)-evidence", &outcome)
            {
            case .submitted: break
            case .unanswered: answered = false
            case .failed: return
            }
        }
        await wait(plan.after, number, before: "close_dispute", payment: id)
        let won = answered && plan.won
        _ = await networkStep(id, when: { $0 == .needsResponse || $0 == .underReview }, &outcome) {
            try await $0.decideDispute(id, won: won)
        }
    }

    /// One step of the network's side of a dispute, done only while the dispute is in a status
    /// `when` accepts: after a crash lost its answer, the network looks at the payment again and
    /// does not repeat a step it sees done. Returns whether the dispute can go on.
    private func networkStep(
        _ id: PaymentID, when isDue: (DisputeStatus?) -> Bool, _ outcome: inout JourneyOutcome,
        _ step: (PaymentSystem) async throws -> PaymentRecord
    ) async -> Bool {
        guard let host else { return false }
        var lost = 0
        var refusals = 0
        while lost < Self.sendsMax {
            let (system, generation) = await host.current()
            guard isDue(system.paymentNow(id)?.payment.dispute?.status) else { return true }
            do {
                _ = try await step(system)
                if host.isAlive(generation) { return true }
            } catch {
                if host.isAlive(generation) {
                    if let refusal = error as? PaymentServiceError,
                        await retryAfterRefusal(refusal, &refusals)
                    {
                        continue
                    }
                    outcome.violation("dispute_lifecycle", "\(id): \(error)")
                    return false
                }
            }
            host.noteLostAnswer()
            lost += 1
        }
        return false
    }

    /// What became of the evidence a merchant submits.
    enum EvidenceOutcome {
        /// Submitted (or not needed any more: the dispute moved on).
        case submitted
        /// Still refused before any work after the client's retries: the dispute goes on
        /// unanswered.
        case unanswered
        /// Refused for a reason that ends the dispute's journey (a violation was noted).
        case failed
    }

    /// The merchant answers the dispute through the API (`POST /v1/disputes/:id`), as a client:
    /// the same idempotency key again if a crash lost the answer.
    private func submitEvidence(
        _ id: PaymentID, when status: DisputeStatus, number: Int, merchant: MerchantID, apiKey: String,
        idempotencyKey: String, _ outcome: inout JourneyOutcome
    ) async -> EvidenceOutcome {
        guard let host,
            await host.current().system.dispute(of: id, merchant: merchant)?.status == status
        else {
            return .submitted
        }
        let submit: (any PaymentTarget) async -> APIResponse? = { target in
            await target.submitDisputeEvidence(
                id, merchant: merchant, apiKey: apiKey, idempotencyKey: idempotencyKey)
        }
        let response = await resolve(
            "submit_dispute_evidence", key: idempotencyKey, number: number, await send(submit), payment: id,
            &outcome, submit)
        guard let response else {
            outcome.violation(
                "dispute_lifecycle", "\(id): evidence got no answer after \(Self.sendsMax) sends")
            return .failed
        }
        trace("submit_dispute_evidence", idempotencyKey, response)
        checkJournaled(response, .submitDisputeEvidence, &outcome)
        if ClientRetryPolicy.isRefusedBeforeWork(response) {
            countRefusal(response, &outcome)
            return .unanswered
        }
        guard response.isSuccess else {
            outcome.violation("dispute_lifecycle", "\(id): evidence refused: \(response.body)")
            return .failed
        }
        return .submitted
    }

    /// For the network's side of a dispute (no API, no key): a step the journal refused was
    /// undone, and is done again after a backoff (at most `refusalsRetriedMax` times).
    private func retryAfterRefusal(_ error: PaymentServiceError, _ refusals: inout Int) async -> Bool {
        guard error.isRetryable, refusals < Self.refusalsRetriedMax, !live.isClosed else { return false }
        refusals += 1
        live.noteRefusalRetried()
        try? await runtime.sleep(for: Self.refusalBackoff.delay(afterRetries: refusals))
        return true
    }

    /// Checks the payment's final record and forgets it: the continuous form of the
    /// "no payment lost" and "amounts within bounds" invariants.
    private func retire(_ id: PaymentID, _ outcome: inout JourneyOutcome) async {
        guard let host else { return }
        let (system, _) = await host.current()
        host.retired(id)
        // Retired, it can no longer be read: the read traffic reads the payments still held.
        recent?.forget(id)
        let (retired, emitted) = await system.orchestrator.retireCountingEvents(id)
        guard let record = retired else {
            outcome.violation("no_payment_lost", "\(id) was acknowledged but is not held")
            return
        }
        let payment = record.payment
        switch payment.state {
        case .created, .requiresAction, .authorizationUnknown:
            outcome.violation("no_payment_lost", "\(id) left \(payment.state)")
        default:
            break
        }
        if payment.amountCapturedMinorUnits > payment.amount.minorUnits
            || payment.amountRefundedMinorUnits > payment.amountCapturedMinorUnits
        {
            outcome.violation("captures_within_authorized_refunds_within_captured", "\(id): \(payment)")
        }
        if let orphan = await Self.orphanedAuthorization(record, system: system) {
            outcome.violation(Self.orphanedAuthorizationInvariant, orphan)
        }
        if case .failed = payment.state, payment.amountCapturedMinorUnits > 0 {
            outcome.violation(
                Self.failedNeverCapturedInvariant,
                "\(id) ended \(payment.state) but captured \(payment.amountCapturedMinorUnits)")
        }
        if let mismatch = Self.eventMismatch(record, emitted: emitted) {
            outcome.violation(Self.oneEventPerStateChangeInvariant, mismatch)
        }
    }

    static let oneEventPerStateChangeInvariant = "every_state_change_yields_exactly_one_event"

    /// The payment's events against its state changes: the sink must have emitted exactly the
    /// events its transitions named (each transition names at least one), plus its creation
    /// event: none dropped, none doubled.
    static func eventMismatch(_ record: PaymentRecord, emitted: Int) -> String? {
        let named = 1 + record.eventsEmitted
        guard emitted != named || record.eventsEmitted < record.transitions else { return nil }
        return
            "\(record.id) (\(record.payment.state)): \(record.transitions) transitions named \(named) events "
            + "with its creation, \(emitted) emitted"
    }

    static let orphanedAuthorizationInvariant = "no_authorization_held_for_a_failed_payment"

    /// A payment that ended without charging (declined, voided, reversed) must leave nothing
    /// held on the customer's card: the network may not hold an approved, unreversed,
    /// uncaptured authorization for it. That is what a blind retry after a timeout leaves
    /// behind (the network refuses the duplicate, Paystorm declines, the issuer's first approval
    /// stays). Asks the network's own record, not Paystorm's.
    static func orphanedAuthorization(_ record: PaymentRecord, system: PaymentSystem) async -> String? {
        switch record.payment.state {
        case .failed, .voided, .expired: break
        default: return nil
        }
        guard let status = await system.networks[record.network]?.status(of: record.id) else { return nil }
        // A payment the client was told failed must not have been charged at the network either.
        if status.captured.minorUnits > 0 {
            return
                "\(record.id) ended \(record.payment.state) but \(record.network) captured \(status.captured)"
        }
        guard status.authorized.minorUnits > 0 else { return nil }
        return "\(record.id) ended \(record.payment.state) but \(record.network) holds \(status.authorized)"
    }

    /// The payment intent's `status` in an answer's body, as a merchant's backend reads it.
    static func paymentStatus(_ response: APIResponse) -> Substring? {
        let key = "\"status\":\""
        guard let start = response.body.firstRange(of: key)?.upperBound else { return nil }
        let rest = response.body[start...]
        return rest.prefix { $0 != "\"" }
    }

    /// Records an answer the client got in the run's trace, if one is on.
    private func trace(_ operation: String, _ key: String, _ response: APIResponse) {
        EventTrace.record(
            runtime.now(), "client", operation,
            [
                "key": key, "status": String(response.status),
                "payment": response.paymentID?.description ?? "-",
                "replayed": response.replayed ? "true" : "false",
            ])
    }

    private func classifyFailure(_ response: APIResponse, _ outcome: inout JourneyOutcome) {
        switch response.status {
        case 402:
            // Counted by Stripe's `decline_code` (the `code` of most card errors is just
            // `card_declined`).
            let code = response.declineCode ?? response.errorCode ?? "card_declined"
            outcome.declineCode = code
            switch code {
            case "fraudulent": outcome.counts.blocked += 1
            case "authentication_required": outcome.counts.abandoned3DS += 1
            default: outcome.counts.declined += 1
            }
        case 429, 409:
            countRefusal(response, &outcome)
        case 400 where response.errorCode == "amount_too_small" || response.errorCode == "amount_too_large":
            outcome.counts.amountRefused += 1
        default:
            outcome.counts.errors += 1
        }
    }
}
