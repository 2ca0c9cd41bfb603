import Core
import PaystormRuntime
import Services

/// The journey's checks: what each answer must show, how an answer is counted, and its
/// payment's final record when the journey ends.
extension Journey {
    /// Checks that a successful, first-time answer was durable before it reached the client.
    func checkJournaled(
        _ response: APIResponse, _ operation: APIOperation, _ outcome: inout JourneyOutcome
    ) {
        guard let journal, response.isSuccess, !response.replayed, let id = response.paymentID else { return }
        if journal.takeAcknowledgement(of: id, operation) == false {
            outcome.violation(
                .everyAcknowledgedAnswerJournaled,
                "\(operation) of \(id) answered \(response.status) unjournaled")
        }
    }

    /// Counts a request still refused before any work after the client's retries: rate
    /// limited (429) or its key's first request still running (409).
    func countRefusal(_ response: APIResponse, _ outcome: inout JourneyOutcome) {
        if response.status == 429 {
            outcome.counts.rateLimited += 1
        } else {
            outcome.counts.keyInUse += 1
        }
    }

    /// Checks the payment's final record and forgets it: the run's invariants checked as it
    /// goes (`InvariantChecker.finalState`), so that memory holds only the payments in flight.
    func retire(_ id: PaymentID, _ outcome: inout JourneyOutcome) async {
        guard let host else { return }
        let (system, _) = await host.current()
        host.retired(id)
        // Retired, it can no longer be read: the read traffic reads the payments still held.
        recent?.forget(id)
        let (retired, emitted) = await system.orchestrator.retireCountingEvents(id)
        guard let record = retired else {
            outcome.violation(.noPaymentLost, "\(id) was acknowledged but is not held")
            return
        }
        expectedBalances?.add(record)
        for (invariant, example) in await InvariantChecker.finalState(
            of: record, emitted: emitted, system: system)
        {
            outcome.violation(invariant, example)
        }
    }

    /// The payment's status in an answer's body, as a client reads it.
    static func paymentStatus(_ response: APIResponse) -> String? { response.stringField("status") }

    /// Records an answer the client got in the run's trace, if one is on.
    func trace(_ operation: String, _ key: String, _ response: APIResponse) {
        EventTrace.record(
            runtime.now(), "client", operation,
            [
                "key": key, "status": String(response.status),
                "payment": response.paymentID?.description ?? "-",
                "replayed": response.replayed ? "true" : "false",
            ])
    }

    func classifyFailure(_ response: APIResponse, _ outcome: inout JourneyOutcome) {
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
