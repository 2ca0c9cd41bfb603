import Core
import PaystormRuntime
import Services

/// The journey as a client: it sends a request and retries it as a client would (lost answers,
/// retryable refusals, Stripe's SDK retries, all with `Backoff`), reads an unknown outcome again
/// once the faults are healed, and onboards its merchant.
extension Journey {
    /// One request as the journey sends it, to whichever target: sent again as it is (same
    /// idempotency key) when its answer is lost or refused.
    typealias Call = @Sendable (any PaymentTarget) async -> APIResponse?

    /// Jepsen's final read of an outcome the client never learnt (no answer, or a server
    /// error): once the faults are healed, the same request is sent again with the same
    /// idempotency key, twice. The system must by then give one definite answer, the same both
    /// times (the first request's, replayed, or the work it began, finished once), and the
    /// payment it names must be final or in a well-defined waiting state.
    /// - Returns: the answer to go on with (`first` when it was known already).
    func resolve(
        _ operation: String, key: String, number: Int, _ first: APIResponse?, payment: PaymentID?,
        _ outcome: inout JourneyOutcome, _ call: @escaping Call
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
                .unknownOutcomeResolvesToOneState,
                "\(key): \(operation) still unknown after the heal: \(read?.body ?? "no answer")")
            return read
        }
        if let again, ClientRetryPolicy.isRefusedBeforeWork(again) {
            countRefusal(again, &outcome)
        } else if again?.status != read.status || again?.body != read.body {
            outcome.violation(
                .unknownOutcomeResolvesToOneState,
                "\(key): \(operation) read \(read.status) then \(again.map { String($0.status) } ?? "no answer")"
            )
        }
        if let host, let id = read.paymentID ?? payment,
            let record = await host.current().system.paymentNow(id)
        {
            switch record.payment.state {
            case .created, .requiresAction, .authorizationUnknown:
                outcome.violation(
                    .unknownOutcomeResolvesToOneState,
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
    /// - Parameter nothingWaitsAfter: no wait of the journey's comes after this call, only its
    ///   checks and its retirement: an in-process call then runs in the journey's own task,
    ///   which ends soon after, instead of a task of its own (see `inOwnTask`).
    func send(
        _ call: @escaping Call, policy: ClientRetryPolicy? = nil, nothingWaitsAfter: Bool = false
    ) async -> APIResponse? {
        var lastAttemptStart = runtime.now()
        return await send(
            call, policy: policy, nothingWaitsAfter: nothingWaitsAfter, lastAttemptStart: &lastAttemptStart)
    }

    /// `send`, saying when its last attempt was sent.
    func send(
        _ call: @escaping Call, policy: ClientRetryPolicy? = nil, nothingWaitsAfter: Bool = false,
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
                let target = InProcessTarget(system: system)
                let answer = nothingWaitsAfter ? await call(target) : await inOwnTask { await call(target) }
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

    /// Runs an in-process call in a task of its own and waits for its answer. A task keeps the
    /// stack memory of its deepest call until it ends (the task allocator keeps its slabs for
    /// reuse), and an in-process call runs the whole service path in the caller's task: run in
    /// the journey's task, that depth would stay with the journey through its waits for a later
    /// capture, refund or dispute, and those waiting journeys are most of a busy run's memory.
    /// A call after which the journey waits no more needs no task of its own: the journey's
    /// task ends with it (`send`'s `nothingWaitsAfter`), and a task and two executor jobs are
    /// saved.
    private func inOwnTask(_ call: @escaping @Sendable () async -> APIResponse?) async -> APIResponse? {
        await withCheckedContinuation { continuation in
            _ = runtime.spawn { continuation.resume(returning: await call()) }
        }
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

    /// The merchant's API key: onboarding it first if no journey has (one onboarding per
    /// merchant however many journeys ask at once; see `KeyRing`). Nil if it could not be
    /// onboarded after every retry.
    /// - Parameter waitingForHeal: whether a client still refused after its retries waits for
    ///   the faults' heal and tries once more (a journey does; onboarding before the load must
    ///   not, as the heal comes after the load).
    /// - Throws: `ShedByRunner` when the target shed the onboarding before sending it.
    func apiKey(
        for merchant: MerchantID, settlement: Currency, waitingForHeal: Bool = true
    ) async throws(ShedByRunner) -> String? {
        let host = self.host
        let remote = self.remote
        let faults = self.faults
        let runtime = self.runtime
        let live = self.live
        return try await keys.key(for: merchant) { () async -> KeyRing.Onboarding in
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
                    return .success(nil)
                }
                var key: String?
                var refused = false
                do {
                    key = try await target.onboard(merchant, settlementCurrency: settlement)
                } catch let shed as ShedByRunner {
                    return .failure(shed)
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
                return .success(key)
            }
            return .success(nil)
        }.get()
    }
}
