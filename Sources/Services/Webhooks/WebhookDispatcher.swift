import Core
import PaystormRuntime
import Synchronization

/// Delivers webhook events at least once to their merchants' endpoints, or dead-letters them.
///
/// Every attempt signs the body afresh (a new `t=`), waits at most `attemptTimeout` for the
/// endpoint, and retries on the runtime's clock according to `WebhookDelivery`. Jitter is drawn
/// from a stream derived from the event id, so an event's schedule does not depend on how other
/// deliveries interleave.
///
/// How it runs: the events in delivery live in one timetable (`WebhookDeliveryQueue`) behind a
/// lock, and one pump task sleeps until the earliest step is due, runs every step due, and
/// sleeps again; an event accepted with a step due sooner rings it awake (`RuntimeAlarm`). The
/// first attempt is made as the event is accepted. Attempts are signed and sent outside the
/// lock (the queue hands each out and takes its answer back): inside it, signing and the
/// endpoint's verification made the lock every payment's meeting point in a realtime run.
/// Why not a task per event, as a first design had: a task, an actor hop to the endpoint and
/// back and a timer per attempt came to about a quarter of a Black-Friday run's executor jobs;
/// the timetable costs one wake per due time.
///
/// Bounds: at most `inFlightMax` undelivered events; `enqueue` beyond that throws `.queueFull`
/// (back-pressure, counted in `rejectedQueueFull`). The dead-letter queue keeps the newest
/// `deadLettersMax` entries; older ones are dropped and counted in `deadLettersDropped` (their
/// count stays in `deadLettered`). The attempt trace keeps the newest `traceMax` records.
///
/// A `restartable` dispatcher can be killed (`kill()`, a `service_crash` fault): its deliveries
/// stop where they are, as a killed process's would, and whatever it held is lost; a successor
/// rebuilds the owed events from the journal (`PaymentSystem.restartWebhookDispatcher()`).
public final class WebhookDispatcher: Sendable {
    public struct Configuration: Sendable {
        public var retryPolicy: WebhookDelivery.Policy
        public var inFlightMax: Int
        public var attemptTimeout: Duration
        public var deadLettersMax: Int
        public var traceMax: Int
        public var endpointsMax: Int
        public var clock: UnixClock
        /// Keeps each delivery's task, so that `kill()` can stop it and a successor's rebuild can
        /// skip an event already in flight. Off by default: it costs a table entry per event.
        public var restartable: Bool

        public init(
            retryPolicy: WebhookDelivery.Policy = .standard, inFlightMax: Int = 65_536,
            attemptTimeout: Duration = .seconds(10), deadLettersMax: Int = 10_000,
            traceMax: Int = 100_000, endpointsMax: Int = 100_000, clock: UnixClock = .standard,
            restartable: Bool = false
        ) {
            self.restartable = restartable
            self.retryPolicy = retryPolicy
            self.inFlightMax = max(1, inFlightMax)
            self.attemptTimeout = attemptTimeout
            self.deadLettersMax = max(1, deadLettersMax)
            self.traceMax = max(0, traceMax)
            self.endpointsMax = max(1, endpointsMax)
            self.clock = clock
        }
    }

    /// An event that exhausted its attempts.
    public struct DeadLetter: Hashable, Sendable {
        public let event: WebhookEvent
        public let attempts: Int
        /// The last attempt's HTTP status, nil if it timed out.
        public let lastStatus: Int?
    }

    /// One attempt, for traces and replay comparison.
    public struct AttemptRecord: Hashable, Sendable, CustomStringConvertible {
        public let eventID: EventID
        public let attempt: Int
        public let startedAt: SimTime
        /// HTTP status, nil if the attempt timed out.
        public let status: Int?

        public var description: String {
            "\(eventID) #\(attempt) at \(startedAt.nanoseconds)ns: \(status.map(String.init) ?? "timeout")"
        }
    }

    /// Counters since creation.
    public struct Statistics: Hashable, Sendable {
        public var enqueued: Int64 = 0
        public var rejectedQueueFull: Int64 = 0
        public var delivered: Int64 = 0
        public var attempts: Int64 = 0
        public var retries: Int64 = 0
        public var timeouts: Int64 = 0
        public var deadLettered: Int64 = 0
        public var deadLettersDropped: Int64 = 0
        /// Events this dispatcher held when it was killed, or was handed after: owed, and left
        /// to its successor to rebuild from the journal.
        public var abandoned: Int64 = 0
        public var inFlight: Int = 0
        /// Attempts needed by delivered events: median and 99th percentile (0 if none).
        public var attemptsP50: Int = 0
        public var attemptsP99: Int = 0

        public init() {}
    }

    /// A merchant's registration. A class: every event in delivery and every attempt holds
    /// its target, and as a struct each copy retained the endpoint and both of the key's
    /// hashers (three shared counters, written by both cores in a realtime run).
    final class Target: Sendable {
        let endpoint: WebhookEndpoint
        /// The merchant's signing secret, keyed once at registration.
        let key: WebhookSigningKey

        init(endpoint: WebhookEndpoint, key: WebhookSigningKey) {
            self.endpoint = endpoint
            self.key = key
        }
    }

    private let runtime: any Runtime
    public let configuration: Configuration
    private let state: Mutex<WebhookDeliveryQueue>
    private let alarm: any RuntimeAlarm
    /// Told as events' deliveries end (delivered, or dead-lettered: true), before the
    /// dispatcher counts them idle: the payment system journals them. Called with every event
    /// that ended at one time, from a task of its own, so that a slow journal delays no
    /// delivery.
    private let settled: (@Sendable ([(id: EventID, deadLettered: Bool)]) async -> Void)?

    /// - Parameter settled: called as events' deliveries end (see `settled`).
    public init(
        runtime: any Runtime, configuration: Configuration = Configuration(),
        settled: (@Sendable ([(id: EventID, deadLettered: Bool)]) async -> Void)? = nil
    ) {
        self.settled = settled
        self.runtime = runtime
        self.configuration = configuration
        self.alarm = runtime.makeAlarm()
        // Delivered answers are deferred (see `WebhookDeliveryQueue`) unless a callback is
        // told of each settlement.
        self.state = Mutex(
            WebhookDeliveryQueue(
                configuration: configuration, settlesThroughCallback: settled != nil,
                defersDeliveredAnswers: true))
    }

    /// Sets (or replaces) `merchant`'s endpoint and its signing secret.
    /// - Throws: `.tooManyEndpoints` when the table is full.
    package func register(
        _ endpoint: WebhookEndpoint, secret: String, for merchant: MerchantID
    )
        throws(WebhookDispatchError)
    {
        try state.withLock { (queue) throws(WebhookDispatchError) in
            if queue.targets[merchant] == nil && queue.targets.count >= configuration.endpointsMax {
                throw .tooManyEndpoints(endpointsMax: configuration.endpointsMax)
            }
            queue.targets[merchant] = Self.target(endpoint, secret: secret, in: &queue)
        }
    }

    /// The target for `endpoint` and `secret`, shared by the merchants that register the same
    /// two (the simulated merchants share 64 endpoints, and an endpoint has one secret): one
    /// per merchant was an object and a keyed HMAC state for every registration (a few hundred
    /// bytes each, 150 MB for 500,000 merchants). A secret registered with another endpoint
    /// keeps its key.
    private static func target(
        _ endpoint: WebhookEndpoint, secret: String, in queue: inout WebhookDeliveryQueue
    ) -> Target {
        let shared = queue.sharedTargets[secret]
        if let shared, shared.endpoint === endpoint { return shared }
        let target = Target(endpoint: endpoint, key: shared?.key ?? WebhookSigningKey(secret: secret))
        if queue.sharedTargets.count < Self.signingKeysMax { queue.sharedTargets[secret] = target }
        return target
    }

    /// Distinct secrets whose keys are shared; others get a key of their own.
    static let signingKeysMax = 4_096

    /// Accepts `event` for delivery to its merchant's endpoint and makes its first attempt.
    ///
    /// A killed dispatcher takes the event and loses it (counted in `abandoned`), as a dead
    /// process's socket swallows a request: the sender cannot tell.
    /// - Parameter unlessInFlight: skip an event whose delivery is already running (a
    ///   restartable dispatcher only; a rebuild may find an event that was also handed over
    ///   live).
    /// - Returns: false when the event was skipped as already in flight.
    /// - Throws: `.queueFull` (back-pressure: keep the event and retry later) or `.noEndpoint`.
    @discardableResult
    public func enqueue(
        _ event: WebhookEvent, unlessInFlight: Bool = false
    ) throws(WebhookDispatchError) -> Bool {
        let now = runtime.now()
        let random = runtime.randomStream("webhook.delivery", event.id.rawValue)
        let intake = try state.withLock { (queue) throws(WebhookDispatchError) in
            // The answers due by now first: the queue's bound counts what is in flight now.
            queue.catchUp(now: now)
            return try queue.accept(event, unlessInFlight: unlessInFlight, random: random)
        }
        let attempt: WebhookDeliveryQueue.Attempt
        switch intake {
        case .skipped: return false
        case .abandoned: return true
        case .attempt(let taken): attempt = taken
        }
        // Signed and sent outside the lock: every enqueuer and the pump share it.
        let answer = attempt.send(now: now, configuration: configuration)
        switch state.withLock({ $0.scheduleFirst(attempt, answer: answer) }) {
        case .nothing: break
        case .start: runtime.spawn { await self.pump() }
        case .ring: alarm.ring()
        }
        return true
    }

    /// Kills the dispatcher, as a crash kills its process: every delivery stops where it
    /// stands without settling (an attempt on the wire is abandoned), the queue is gone, and
    /// nothing it does afterwards is journaled. Waiters for idleness are released.
    public func kill() {
        let now = runtime.now()
        let waiters = state.withLock { queue in
            // What was delivered by now was delivered before the crash.
            queue.catchUp(now: now)
            return queue.kill()
        }
        for waiter in waiters { waiter.resume() }
        alarm.ring()
    }

    /// Takes over `dead`'s endpoint table for the merchants this dispatcher has none for: the
    /// endpoints and signing secrets are the merchants' configuration (a real service reads
    /// them from its database at boot), not delivery state. Registrations made here since
    /// (while `dead` was down) are newer and kept.
    func adoptEndpoints(of dead: WebhookDispatcher) {
        let table = dead.endpointTable()
        state.withLock { queue in
            for (merchant, target) in table.sorted(by: { $0.key < $1.key })
            where queue.targets[merchant] == nil {
                guard queue.targets.count < configuration.endpointsMax else { return }
                queue.targets[merchant] = target
            }
        }
    }

    func endpointTable() -> [MerchantID: Target] { state.withLock { $0.targets } }

    /// Returns when no event is in flight (at once for a killed dispatcher).
    public func waitUntilIdle() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let now = runtime.now()
            switch state.withLock({ $0.awaitIdle(waiter, now: now) }) {
            case nil: waiter.resume()
            case .nothing: break
            case .start: runtime.spawn { await self.pump() }
            case .ring: alarm.ring()
            }
        }
    }

    /// The queue, with the delivered answers due by now run first (see `WebhookDeliveryQueue`).
    private func caughtUp<Result>(_ body: (inout WebhookDeliveryQueue) -> Result) -> Result {
        let now = runtime.now()
        return state.withLock { queue in
            queue.catchUp(now: now)
            return body(&queue)
        }
    }

    public func statistics() -> Statistics { caughtUp { $0.statistics() } }

    /// The dead-letter queue, oldest first (at most `deadLettersMax`).
    public func deadLetters() -> [DeadLetter] { caughtUp { Array($0.deadLetterQueue) } }

    /// Removes and returns the dead-letter queue (e.g. for a manual redelivery).
    public func drainDeadLetters() -> [DeadLetter] { caughtUp { $0.drainDeadLetters() } }

    /// The newest attempts, oldest first (at most `traceMax`).
    public func trace() -> [AttemptRecord] { caughtUp { Array($0.attemptTrace) } }

    // MARK: Delivery

    /// Runs the timetable until it is empty (or the dispatcher dies); `enqueue` starts it
    /// again with the next event.
    private func pump() async {
        while true {
            let now = runtime.now()
            var pass = WebhookDeliveryQueue.Pass()
            while let attempt = state.withLock({ $0.nextAttemptDue(now: now, into: &pass) }) {
                let answer = attempt.send(now: now, configuration: configuration)
                state.withLock { _ = $0.schedule(attempt, answer: answer) }
            }
            for waiter in pass.idle { waiter.resume() }
            if !pass.settlements.isEmpty, let settled {
                let settlements = pass.settlements
                runtime.spawn {
                    await settled(settlements)
                    let waiters = self.state.withLock { $0.finish(settlements.map(\.id)) }
                    for waiter in waiters { waiter.resume() }
                }
            }
            guard let next = pass.next else { return }
            await alarm.sleep(until: SimTime(nanoseconds: next))
        }
    }

    /// The smallest n such that at least `fraction` of the counts lie at indices n or below
    /// (0 for an empty histogram).
    static func percentile(_ fraction: Double, of histogram: [Int64]) -> Int {
        let total = histogram.reduce(0, +)
        guard total > 0 else { return 0 }
        let rank = max(1, Int64((Double(total) * fraction).rounded(.up)))
        var seen: Int64 = 0
        for (index, count) in histogram.enumerated() {
            seen += count
            if seen >= rank { return index }
        }
        return histogram.count - 1
    }

}
