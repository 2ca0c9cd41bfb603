import Core
import DequeModule
import HeapModule
import PaystormRuntime

/// The webhook dispatcher's state: the endpoint table, every event in delivery ordered by when
/// its next step is due, and the counters.
///
/// Each event in delivery has exactly one step in the timetable: its next attempt, or the
/// answer to the attempt on the wire (due when the endpoint answers or the attempt times out,
/// whichever is first). Steps due at the same time run in the order they were scheduled. The
/// queue is synchronous and reads no clock (`now` is passed in), so that the dispatcher can run
/// it under one lock from one pump task, and a test can drive it directly. An attempt is taken
/// out of the queue to be made (signed, sent, verified by the endpoint) outside that lock,
/// and its answer scheduled back.
///
/// Answers that deliver can be left for whoever looks next (`defersDeliveredAnswers`): the
/// pump then wakes only for attempts and for answers that fail or time out, and a delivered
/// answer due by now is run, in its place in the timetable, when the pump wakes for another
/// step, an event is accepted or the counters, trace or dead letters are read (`catchUp`).
/// Why: a delivered answer is bookkeeping only (counters, the trace, the event's end), it
/// draws no randomness and schedules nothing, and waking the pump at every answer's due time
/// was a job of the executor for every event, about a third of a simulated payment's jobs.
/// What anyone reads is what the pump would have left at that time, but for answers due at the
/// very instant of the read. While someone waits for idleness every step wakes the pump again,
/// so that the wait ends when the last answer is due; a settlement callback (a journal) gets
/// every answer at its time.
struct WebhookDeliveryQueue {
    typealias Target = WebhookDispatcher.Target
    typealias Settlement = (id: EventID, deadLettered: Bool)

    /// What an event in delivery waits for.
    enum Step {
        case attempt
        case answer(status: Int?, startedAt: SimTime)
    }

    /// One event in delivery, kept in `deliveries` at the slot its timetable step names.
    struct Delivery {
        let event: WebhookEvent
        /// The endpoint registered when the event was accepted, used if the merchant's
        /// registration is gone by the time of an attempt.
        let target: Target
        var schedule: WebhookDelivery
        /// Jitter: drawn from a stream of the event's own, so that an event's schedule does not
        /// depend on how other deliveries interleave.
        var random: RandomStream
        var step = Step.attempt
    }

    struct Due: Comparable {
        let deadline: Int64
        let sequence: UInt64
        /// The delivery's place in `deliveries`.
        let slot: Int
        /// Whether the pump wakes for it when delivered answers are deferred: every step but a
        /// delivered answer.
        let wakes: Bool

        static func == (lhs: Due, rhs: Due) -> Bool { lhs.sequence == rhs.sequence }
        static func < (lhs: Due, rhs: Due) -> Bool {
            (lhs.deadline, lhs.sequence) < (rhs.deadline, rhs.sequence)
        }
    }

    /// What the pump must do after an event was accepted.
    enum Wake {
        /// The pump runs and sleeps until no later than the new step.
        case nothing
        /// No pump runs: start one.
        case start
        /// The pump sleeps past the new step: ring it.
        case ring
    }

    let configuration: WebhookDispatcher.Configuration
    /// Whether settlements go to a callback (a journal) before they count as finished.
    let settlesThroughCallback: Bool
    /// Whether delivered answers are left for whoever looks next (see the type's notes).
    let defersDeliveredAnswers: Bool
    var targets: [MerchantID: Target] = [:]
    /// The last target made for each secret, shared while its endpoint is the same (and its
    /// key whatever the endpoint).
    var sharedTargets: [String: Target] = [:]
    private(set) var counters = WebhookDispatcher.Statistics()
    /// attemptsHistogram[n]: delivered events that needed n attempts.
    private(set) var attemptsHistogram: [Int64]
    private(set) var deadLetterQueue: Deque<WebhookDispatcher.DeadLetter> = []
    private(set) var attemptTrace: Deque<WebhookDispatcher.AttemptRecord> = []
    private var timetable = Heap<Due>()
    /// The events in delivery by slot, nil where a slot is free (listed in `freeSlots`, reused
    /// first). Why slots and not an object an event: that was an allocation for every event,
    /// and a reference the timetable's entries retained and released as it reordered them; a
    /// slot holds the delivery while its attempt is out, so its index stays valid until the
    /// delivery ends. At most `inFlightMax` are in use.
    private var deliveries: [Delivery?] = []
    private var freeSlots: [Int] = []
    /// Slots made so far, in use or free (for tests: they are reused).
    var deliverySlots: Int { deliveries.count }
    /// The deadlines of the steps that wake the pump (`Due.wakes`), kept while answers are
    /// deferred: the pump sleeps until the earliest.
    private var wakeDeadlines = Heap<Int64>()
    private var sequence: UInt64 = 0
    /// Events in delivery (only when `restartable`): a rebuild skips those already here.
    private var inFlightIDs: Set<EventID> = []
    private(set) var isKilled = false
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []
    /// Whether the pump task runs, and the deadline it sleeps until while it does.
    private var pumpRunning = false
    private var pumpDeadline = Int64.max
    /// Attempts taken out of the queue and not scheduled back yet (being signed and sent).
    private var attemptsOut = 0

    init(
        configuration: WebhookDispatcher.Configuration, settlesThroughCallback: Bool,
        defersDeliveredAnswers: Bool = false
    ) {
        self.configuration = configuration
        self.settlesThroughCallback = settlesThroughCallback
        // A callback is told of every settlement at its time.
        self.defersDeliveredAnswers = defersDeliveredAnswers && !settlesThroughCallback
        self.attemptsHistogram = Array(repeating: 0, count: configuration.retryPolicy.attemptsMax + 1)
    }

    // MARK: Intake

    /// An attempt taken out of the queue to be made outside the dispatcher's lock (signing and
    /// the endpoint's verification are most of an attempt's cost); its answer comes back with
    /// `scheduleFirst` or `schedule(_:answer:)`.
    struct Attempt: Sendable {
        /// The delivery's slot in the queue.
        let slot: Int
        let event: WebhookEvent
        /// Where it goes: the endpoint registered when it was taken.
        let target: Target

        /// Signs and sends the attempt at `now`; the endpoint decides its answer and latency on
        /// arrival, and the sender waits for the answer or gives up at the attempt timeout (the
        /// endpoint did the work either way).
        func send(now: SimTime, configuration: WebhookDispatcher.Configuration) -> Answer {
            // The body and the header stay in stack buffers: the simulated endpoint reads them
            // as bytes.
            let answer = event.withBody { body in
                WebhookSigner.withHeader(
                    payload: body, key: target.key, timestamp: configuration.clock.seconds(at: now)
                ) { header in
                    target.endpoint.respond(eventID: event.id, payload: body, signatureHeader: header)
                }
            }
            let timedOut = answer.latency > configuration.attemptTimeout
            return Answer(
                status: timedOut ? nil : answer.status, startedAt: now,
                dueAt: now + (timedOut ? configuration.attemptTimeout : answer.latency))
        }
    }

    /// What the endpoint answered an attempt, and when that answer is due (its latency, or the
    /// attempt timeout, whichever is first).
    struct Answer {
        let status: Int?
        let startedAt: SimTime
        let dueAt: SimTime
    }

    /// What became of an event handed to the queue.
    enum Intake {
        /// Already in delivery (a restartable dispatcher's rebuild).
        case skipped
        /// Taken and lost: the dispatcher is dead.
        case abandoned
        /// Accepted: its first attempt is to be made now.
        case attempt(Attempt)
    }

    /// Accepts `event`; its first attempt, made outside the lock, comes back with
    /// `scheduleFirst`.
    /// - Throws: `.noEndpoint`, `.queueFull`.
    mutating func accept(
        _ event: WebhookEvent, unlessInFlight: Bool, random: RandomStream
    ) throws(WebhookDispatchError) -> Intake {
        if isKilled {
            counters.enqueued += 1
            counters.abandoned += 1
            return .abandoned
        }
        if unlessInFlight && inFlightIDs.contains(event.id) { return .skipped }
        guard let target = targets[event.merchant] else { throw .noEndpoint(event.merchant) }
        guard counters.inFlight < configuration.inFlightMax else {
            counters.rejectedQueueFull += 1
            throw .queueFull(inFlightMax: configuration.inFlightMax)
        }
        counters.enqueued += 1
        counters.inFlight += 1
        if configuration.restartable { inFlightIDs.insert(event.id) }
        attemptsOut += 1
        let delivery = Delivery(
            event: event, target: target, schedule: WebhookDelivery(policy: configuration.retryPolicy),
            random: random)
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            deliveries[slot] = delivery
        } else {
            slot = deliveries.count
            deliveries.append(delivery)
        }
        // The target just looked up is the one registered now: the first attempt goes there.
        return .attempt(Attempt(slot: slot, event: event, target: target))
    }

    /// Schedules the answer to an accepted event's first attempt. - Returns: what the pump
    /// must do.
    mutating func scheduleFirst(_ attempt: Attempt, answer: Answer) -> Wake {
        guard let deadline = schedule(attempt, answer: answer) else { return .nothing }
        // A deferred answer waits for whoever looks next.
        guard Self.wakes(answer) || isExact else { return .nothing }
        return wake(at: deadline)
    }

    /// Starts the pump for a step due at `deadline`, or rings it when it sleeps past it.
    private mutating func wake(at deadline: Int64) -> Wake {
        if !pumpRunning {
            pumpRunning = true
            pumpDeadline = deadline
            return .start
        }
        guard deadline < pumpDeadline else { return .nothing }
        pumpDeadline = deadline
        return .ring
    }

    /// Schedules the answer to an attempt taken out of the queue. - Returns: when it is due;
    /// nil when the dispatcher died meanwhile (the attempt was counted abandoned then).
    @discardableResult
    mutating func schedule(_ attempt: Attempt, answer: Answer) -> Int64? {
        guard !isKilled else { return nil }
        attemptsOut -= 1
        deliveries[attempt.slot]!.step = .answer(status: answer.status, startedAt: answer.startedAt)
        return schedule(attempt.slot, at: answer.dueAt, wakes: Self.wakes(answer))
    }

    /// Whether an answer wakes the pump at its time: one that fails or times out schedules
    /// a retry or dead-letters its event; one that delivers only ends it.
    private static func wakes(_ answer: Answer) -> Bool {
        answer.status.map { !(200..<300).contains($0) } ?? true
    }

    /// Whether every step wakes the pump at its time: delivered answers are not deferred, or
    /// someone waits for idleness.
    private var isExact: Bool { !defersDeliveredAnswers || !idleWaiters.isEmpty }

    /// When the pump must wake next, nil when nothing wakes it.
    private var nextWake: Int64? { isExact ? timetable.min?.deadline : wakeDeadlines.min }

    /// Runs the deferred delivered answers due at or before `now`, in their places in the
    /// timetable, up to the first step that wakes the pump (left to it): what anyone reads then
    /// is what the pump would have left. Nothing while every step wakes the pump.
    mutating func catchUp(now: SimTime) {
        guard !isExact, !isKilled else { return }
        var pass = Pass()
        while let top = timetable.min, top.deadline <= now.nanoseconds, !top.wakes {
            let slot = timetable.removeMin().slot
            guard case .answer(let status, let startedAt) = deliveries[slot]!.step else { continue }
            answered(
                slot, status: status, startedAt: startedAt, now: SimTime(nanoseconds: top.deadline),
                into: &pass)
        }
        // No callback and no one waiting for idleness while answers are deferred: nothing of
        // the pass is left to hand out.
        assert(pass.settlements.isEmpty && pass.idle.isEmpty)
    }

    // MARK: Pump

    /// What one pass of the pump found.
    struct Pass {
        /// When the next step is due; nil when nothing is left (the pump stops).
        var next: Int64?
        /// Ended deliveries to hand to the settlement callback (none without one).
        var settlements: [Settlement] = []
        /// Waiters to resume: the queue became idle.
        var idle: [CheckedContinuation<Void, Never>] = []
    }

    /// Runs the steps due at or before `now`, in order, up to the next attempt due, which it
    /// takes out to be made outside the lock (its answer comes back with `schedule`). Returns
    /// nil when nothing more is due: `pass.next` then says when the pump wakes.
    mutating func nextAttemptDue(now: SimTime, into pass: inout Pass) -> Attempt? {
        while !isKilled, let top = timetable.min, top.deadline <= now.nanoseconds {
            let slot = timetable.removeMin().slot
            // Steps run in timetable order, so a step that wakes the pump is the earliest of
            // those kept.
            if defersDeliveredAnswers && top.wakes { wakeDeadlines.removeMin() }
            switch deliveries[slot]!.step {
            case .attempt:
                // Each retry goes to the endpoint registered now, as Stripe retries to the URL
                // configured at the time: a merchant who fixed (or moved) its endpoint gets the
                // retries there.
                attemptsOut += 1
                let delivery = deliveries[slot]!
                return Attempt(
                    slot: slot, event: delivery.event,
                    target: targets[delivery.event.merchant] ?? delivery.target)
            case .answer(let status, let startedAt):
                answered(slot, status: status, startedAt: startedAt, now: now, into: &pass)
            }
        }
        // First attempts still out with their senders are not the pump's to wait for: each
        // comes back through `scheduleFirst`, which starts or rings the pump as it needs.
        if !isKilled, let next = nextWake {
            pumpDeadline = next
            pass.next = next
        } else {
            pumpRunning = false
            pumpDeadline = .max
            pass.next = nil
        }
        return nil
    }

    private mutating func answered(
        _ slot: Int, status: Int?, startedAt: SimTime, now: SimTime, into pass: inout Pass
    ) {
        counters.attempts += 1
        if status == nil { counters.timeouts += 1 }
        let succeeded = status.map { (200..<300).contains($0) } ?? false
        let (eventID, attempts, action) = Self.recordAttempt(
            &deliveries[slot]!, succeeded: succeeded)
        record(
            WebhookDispatcher.AttemptRecord(
                eventID: eventID, attempt: attempts, startedAt: startedAt, status: status))
        switch action {
        case .delivered:
            counters.delivered += 1
            ProcessorMetrics.webhookDelivered.increment()
            attemptsHistogram[min(attempts, attemptsHistogram.count - 1)] += 1
            free(slot)
            ended(eventID, deadLettered: false, into: &pass)
        case .deadLetter:
            counters.deadLettered += 1
            ProcessorMetrics.webhookDeadLettered.increment()
            deadLetterQueue.append(
                WebhookDispatcher.DeadLetter(
                    event: deliveries[slot]!.event, attempts: attempts, lastStatus: status))
            if deadLetterQueue.count > configuration.deadLettersMax {
                deadLetterQueue.removeFirst()
                counters.deadLettersDropped += 1
            }
            free(slot)
            ended(eventID, deadLettered: true, into: &pass)
        case .retry(let delay):
            ProcessorMetrics.webhookFailedAttempts.increment()
            counters.retries += 1
            deliveries[slot]!.step = .attempt
            _ = schedule(slot, at: now + delay, wakes: true)
        }
    }

    /// Records an attempt's outcome in its delivery, in place. - Returns: the event, the
    /// attempts made so far and what comes next.
    private static func recordAttempt(
        _ delivery: inout Delivery, succeeded: Bool
    ) -> (EventID, Int, WebhookDelivery.Action) {
        let action = delivery.schedule.recordAttempt(succeeded: succeeded, random: &delivery.random)
        return (delivery.event.id, delivery.schedule.attempts, action)
    }

    /// Frees an ended delivery's slot for the next event.
    private mutating func free(_ slot: Int) {
        deliveries[slot] = nil
        freeSlots.append(slot)
    }

    private mutating func schedule(_ slot: Int, at time: SimTime, wakes: Bool) -> Int64 {
        sequence &+= 1
        timetable.insert(
            Due(deadline: time.nanoseconds, sequence: sequence, slot: slot, wakes: wakes))
        if defersDeliveredAnswers && wakes { wakeDeadlines.insert(time.nanoseconds) }
        return time.nanoseconds
    }

    private mutating func ended(_ id: EventID, deadLettered: Bool, into pass: inout Pass) {
        if settlesThroughCallback {
            pass.settlements.append((id, deadLettered))
        } else {
            pass.idle += finish(CollectionOfOne(id))
        }
    }

    /// Ends the deliveries of `ids` (settled): - Returns: the waiters to resume if now idle.
    mutating func finish(_ ids: some Collection<EventID>) -> [CheckedContinuation<Void, Never>] {
        if configuration.restartable { for id in ids { inFlightIDs.remove(id) } }
        counters.inFlight -= ids.count
        guard counters.inFlight == 0 else { return [] }
        return takeIdleWaiters()
    }

    private mutating func takeIdleWaiters() -> [CheckedContinuation<Void, Never>] {
        defer { idleWaiters.removeAll() }
        return idleWaiters
    }

    private mutating func record(_ attempt: WebhookDispatcher.AttemptRecord) {
        guard configuration.traceMax > 0 else { return }
        attemptTrace.append(attempt)
        if attemptTrace.count > configuration.traceMax { attemptTrace.removeFirst() }
    }

    // MARK: Idleness and death

    /// Registers a waiter for idleness at `now`. - Returns: nil if already idle (resume it
    /// now), else what the pump must do: from now on every step wakes it, so that the wait ends
    /// when the last answer is due.
    mutating func awaitIdle(_ waiter: CheckedContinuation<Void, Never>, now: SimTime) -> Wake? {
        catchUp(now: now)
        if counters.inFlight == 0 || isKilled { return nil }
        idleWaiters.append(waiter)
        // Attempts out with their senders come back through `scheduleFirst` or the pump.
        guard let earliest = timetable.min?.deadline else { return .nothing }
        return wake(at: earliest)
    }

    /// The dispatcher dies: every event in the timetable is abandoned where it stands (an
    /// attempt on the wire included), owed to a successor. Events whose settlement is being
    /// journaled were delivered and finish as such.
    /// - Returns: the idleness waiters, to release.
    mutating func kill() -> [CheckedContinuation<Void, Never>] {
        guard !isKilled else { return [] }
        isKilled = true
        counters.inFlight -= timetable.count + attemptsOut
        counters.abandoned += Int64(timetable.count + attemptsOut)
        timetable = Heap()
        wakeDeadlines = Heap()
        deliveries.removeAll()
        freeSlots.removeAll()
        attemptsOut = 0
        inFlightIDs.removeAll()
        return takeIdleWaiters()
    }

    mutating func drainDeadLetters() -> [WebhookDispatcher.DeadLetter] {
        defer { deadLetterQueue.removeAll() }
        return Array(deadLetterQueue)
    }

    func statistics() -> WebhookDispatcher.Statistics {
        var result = counters
        result.attemptsP50 = WebhookDispatcher.percentile(0.50, of: attemptsHistogram)
        result.attemptsP99 = WebhookDispatcher.percentile(0.99, of: attemptsHistogram)
        return result
    }
}
