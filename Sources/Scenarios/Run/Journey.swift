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
    /// Where the journeys wait between their steps, without a task (see `goOn`).
    let timetable: JourneyTimetable
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
    /// Where each retired payment's movements of its merchant's balance go, for the checker
    /// (in process only: over the wire the ledger is not the client's to read).
    var expectedBalances: ExpectedMerchantBalances?
    /// How long after its authorization a payment never captured must have expired (the
    /// scenario's `authorization_validity` plus the expiry sweep's interval): a journey that
    /// never captures waits that long, then reads whether it did. Nil: it does not wait.
    var authorizationExpiryWait: Duration?

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

    /// Plays the plan to its end: the create, the steps after it, the payment's retirement,
    /// then the journey counts as finished (`RunMetrics.finished`).
    ///
    /// A journey that waits between its steps (for a later capture, cancel, refund, dispute or
    /// its authorization's expiry) holds no task while it waits: the task that made the step
    /// ends, and the run's `JourneyTimetable` starts a new one for the next step when it is due
    /// (`goOn`). A task keeps the stack memory of its deepest call until it ends (the task
    /// allocator keeps its slabs for reuse): a client call's frames are about 11 KB (`play`,
    /// `create`, `resolve`, `send`), and a task asleep held about 10 KB of slabs even after
    /// them, by a heap profile of a 5-minute run (PERFORMANCE.md).
    func run(_ plan: JourneyPlan) async {
        var outcome = JourneyOutcome()
        outcome.intendedNanoseconds = plan.intended.nanoseconds
        live.begin(plan.number, key: "journey-\(plan.number)")
        var told = ToldState()
        guard case .over(let id) = await play(plan, &outcome, &told) else { return }
        await end(plan, payment: id, &outcome, told)
    }

    /// Hands the journey to the timetable until `wait` is over, then plays its script on from
    /// `wait.then` in a new task, which ends the journey. A function apart, never inlined, so
    /// that no caller's frame carries the closure.
    @inline(never)
    func goOn(after wait: Wait, _ context: Context, _ outcome: JourneyOutcome, _ told: ToldState) {
        let (number, id) = (context.plan.number, context.id)
        let due = runtime.now() + wait.duration
        live.note(number, step: wait.before, payment: id, waitingUntil: due)
        metrics.startedWaiting()
        timetable.schedule(at: due) { [self] in
            metrics.stoppedWaiting()
            live.note(number, step: wait.before, payment: id)
            var (outcome, told) = (outcome, told)
            guard case .over(let id) = await proceed(context, from: wait.then, &outcome, &told) else {
                return
            }
            await end(context.plan, payment: id, &outcome, told)
        }
    }

    /// Checks and retires the payment, if any, and counts the journey finished.
    func end(
        _ plan: JourneyPlan, payment id: PaymentID?, _ outcome: inout JourneyOutcome, _ told: ToldState
    ) async {
        if let id {
            live.note(plan.number, step: "retire", payment: id)
            if let remote {
                await checkRemote(id, merchant: plan.merchant, told: told, remote, &outcome)
            } else {
                await retire(id, &outcome)
            }
        }
        live.end(plan.number)
        metrics.record(outcome)
        metrics.finished()
    }

    /// Sleeps until the plan's next step, noted as a well-defined wait, in the task that waits
    /// (a dispute's steps, rare enough that their frames held through a wait do not count).
    func wait(_ duration: Duration, _ number: Int, before step: String, payment: PaymentID) async {
        live.note(number, step: step, payment: payment, waitingUntil: runtime.now() + duration)
        try? await runtime.sleep(for: duration)
        live.note(number, step: step, payment: payment)
    }
}
