import Core
import PaystormRuntime
import Services

extension Journey {
    /// A dispute, Stripe's flow: the cardholder's bank (through the network, not an API call
    /// with a key) opens an inquiry or a chargeback; the merchant answers with evidence through
    /// the API; the bank closes or escalates the inquiry, then decides the chargeback (an
    /// unanswered one is lost). After a crash the network looks at the payment again and does
    /// only the step it had not seen done; a step the journal refused is done again.
    func dispute(
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
                    outcome.violation(.disputeLifecycle, "\(id): \(error)")
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
    func networkStep(
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
                    outcome.violation(.disputeLifecycle, "\(id): \(error)")
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
    func submitEvidence(
        _ id: PaymentID, when status: DisputeStatus, number: Int, merchant: MerchantID, apiKey: String,
        idempotencyKey: String, _ outcome: inout JourneyOutcome
    ) async -> EvidenceOutcome {
        guard let host,
            await host.current().system.dispute(of: id, merchant: merchant)?.status == status
        else {
            return .submitted
        }
        let submit: Call = { target in
            await target.submitDisputeEvidence(
                id, merchant: merchant, apiKey: apiKey, idempotencyKey: idempotencyKey)
        }
        let response = await resolve(
            "submit_dispute_evidence", key: idempotencyKey, number: number, await send(submit), payment: id,
            &outcome, submit)
        guard let response else {
            outcome.violation(
                .disputeLifecycle, "\(id): evidence got no answer after \(Self.sendsMax) sends")
            return .failed
        }
        trace("submit_dispute_evidence", idempotencyKey, response)
        checkJournaled(response, .submitDisputeEvidence, &outcome)
        if ClientRetryPolicy.isRefusedBeforeWork(response) {
            countRefusal(response, &outcome)
            return .unanswered
        }
        guard response.isSuccess else {
            outcome.violation(.disputeLifecycle, "\(id): evidence refused: \(response.body)")
            return .failed
        }
        return .submitted
    }

    /// For the network's side of a dispute (no API, no key): a step the journal refused was
    /// undone, and is done again after a backoff (at most `refusalsRetriedMax` times).
    func retryAfterRefusal(_ error: PaymentServiceError, _ refusals: inout Int) async -> Bool {
        guard error.isRetryable, refusals < Self.refusalsRetriedMax, !live.isClosed else { return false }
        refusals += 1
        live.noteRefusalRetried()
        try? await runtime.sleep(for: Self.refusalBackoff.delay(afterRetries: refusals))
        return true
    }
}
