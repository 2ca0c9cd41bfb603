import Core
import PaystormRuntime
import Services

extension Journey {
    /// The invariants a journey over the wire checks from outside at its end: the payment it
    /// was told about is retrievable, in the status and with the captured amount it was told;
    /// the refunds the API lists add up to what the client was told was refunded, within what
    /// was captured; a payment the client was told failed captured nothing.
    func checkRemote(
        _ id: PaymentID, merchant: MerchantID, told: ToldState, _ target: any PaymentTarget,
        _ outcome: inout JourneyOutcome
    ) async {
        wire?.notePaymentChecked()
        guard let answer = told.answer else { return }
        let retrieved = await send { await $0.retrievePayment(id, merchant: merchant, apiKey: told.apiKey) }
        guard let retrieved, retrieved.isSuccess else {
            // A declined create names its payment too: it must be retrievable as well.
            outcome.violation(
                .acknowledgedPaymentRetrievableAsTold,
                "\(id): retrieve answered \(retrieved.map { String($0.status) } ?? "nothing")")
            return
        }
        let received = Self.integerField("amount_received", in: retrieved) ?? -1
        if answer.isSuccess {
            let toldStatus = Self.paymentStatus(answer)
            let status = Self.paymentStatus(retrieved)
            let toldReceived = Self.integerField("amount_received", in: answer)
            if status != toldStatus || (toldReceived != nil && received != toldReceived) {
                outcome.violation(
                    .acknowledgedPaymentRetrievableAsTold,
                    "\(id): told \(toldStatus ?? "-") received \(toldReceived ?? -1), "
                        + "retrieved \(status ?? "-") received \(received)")
            }
        } else if received != 0 {
            outcome.violation(
                .failedPaymentNeverCaptured, "\(id): told \(answer.status), received \(received)")
        }
        guard told.refundedMinorUnits > 0 else { return }
        let listed = await refundsListed(id, merchant: merchant, apiKey: told.apiKey, target)
        if listed != told.refundedMinorUnits || told.refundedMinorUnits > received {
            outcome.violation(
                .refundsListedWithinCaptured,
                "\(id): told refunded \(told.refundedMinorUnits), "
                    + "listed \(listed.map { String($0) } ?? "nothing after every read"), "
                    + "received \(received)")
        }
    }

    /// What the API lists as refunded for `id`, read again after a backoff when the answer is
    /// lost (as `send` resends a request, as patiently): an unanswered read is the client's
    /// ignorance, not a refund that went missing.
    private func refundsListed(
        _ id: PaymentID, merchant: MerchantID, apiKey: String, _ target: any PaymentTarget
    ) async -> Int64? {
        var backoffRetries = 0
        var reads = 0
        var lostSince: SimTime?
        while reads < Self.sendsMax || isStillPatient(since: lostSince) {
            reads += 1
            if let listed = await target.refundedMinorUnits(id, merchant: merchant, apiKey: apiKey) {
                return listed
            }
            lostSince = lostSince ?? runtime.now()
            wire?.noteLostAnswer()
            try? await runtime.sleep(for: Self.refusalBackoff.delay(afterRetries: backoffRetries))
            backoffRetries += 1
        }
        return nil
    }

    /// An integer field of an answer's body (its first occurrence), as a client reads it.
    static func integerField(_ name: String, in response: APIResponse) -> Int64? {
        response.integerField(name)
    }
}
