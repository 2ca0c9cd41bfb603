import Core
import DequeModule
import PaystormRuntime

/// Delivers webhook events at least once to their merchants' endpoints, or dead-letters them.
///
/// Each accepted event gets its own delivery task (started with `runtime.spawn`) that signs the
/// body afresh for every attempt (a new `t=`), waits at most `attemptTimeout` for the endpoint,
/// and sleeps on the runtime's clock between attempts according to `WebhookDelivery`. Jitter is
/// drawn from a stream derived from the event id, so an event's schedule does not depend on how
/// other deliveries interleave.
///
/// Bounds: at most `inFlightMax` undelivered events; `enqueue` beyond that throws `.queueFull`
/// (back-pressure, counted in `rejectedQueueFull`). The dead-letter queue keeps the newest
/// `deadLettersMax` entries; older ones are dropped and counted in `deadLettersDropped` (their
/// count stays in `deadLettered`). The attempt trace keeps the newest `traceMax` records.
///
/// A `restartable` dispatcher can be killed (`kill()`, a `service_crash` fault): its deliveries
/// stop where they are, as a killed process's would, and whatever it held is lost; a successor
/// rebuilds the owed events from the journal (`PaymentSystem.restartWebhookDispatcher()`).
public actor WebhookDispatcher {
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

    struct Target: Sendable {
        let endpoint: WebhookEndpoint
        /// The merchant's signing secret, keyed once at registration.
        let key: WebhookSigningKey
    }

    private let runtime: any Runtime
    public nonisolated let configuration: Configuration
    private var targets: [MerchantID: Target] = [:]
    private var signingKeys: [String: WebhookSigningKey] = [:]
    private var counters = Statistics()
    /// attemptsHistogram[n]: delivered events that needed n attempts.
    private var attemptsHistogram: [Int64]
    private var deadLetterQueue: Deque<DeadLetter> = []
    private var attemptTrace: Deque<AttemptRecord> = []
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []
    /// Told when an event's delivery ends (delivered, or dead-lettered: true), before the
    /// dispatcher counts it idle: the payment system journals it.
    private var settled: (@Sendable (EventID, _ deadLettered: Bool) async -> Void)?
    /// Each delivery's task while it runs (only when `restartable`), bounded by `inFlightMax`.
    private var deliveries: [EventID: Task<Void, Never>] = [:]
    /// Set by `kill()`: from then on nothing this dispatcher does is observable.
    private var isKilled = false

    /// - Parameter settled: called as each event's delivery ends (see `settled`).
    public init(
        runtime: any Runtime, configuration: Configuration = Configuration(),
        settled: (@Sendable (EventID, _ deadLettered: Bool) async -> Void)? = nil
    ) {
        self.settled = settled
        self.runtime = runtime
        self.configuration = configuration
        self.attemptsHistogram = Array(repeating: 0, count: configuration.retryPolicy.attemptsMax + 1)
    }

    /// Sets (or replaces) `merchant`'s endpoint and its signing secret.
    /// - Throws: `.tooManyEndpoints` when the table is full.
    public func register(
        _ endpoint: WebhookEndpoint, secret: String, for merchant: MerchantID
    )
        throws(WebhookDispatchError)
    {
        if targets[merchant] == nil && targets.count >= configuration.endpointsMax {
            throw .tooManyEndpoints(endpointsMax: configuration.endpointsMax)
        }
        targets[merchant] = Target(endpoint: endpoint, key: signingKey(for: secret))
    }

    /// The keyed HMAC state for `secret`, shared by the merchants that use one secret (the
    /// simulated merchants share endpoints, and an endpoint has one secret): a key per
    /// merchant would cost a few hundred bytes each, 150 MB for 500,000 merchants.
    private func signingKey(for secret: String) -> WebhookSigningKey {
        if let key = signingKeys[secret] { return key }
        let key = WebhookSigningKey(secret: secret)
        if signingKeys.count < Self.signingKeysMax { signingKeys[secret] = key }
        return key
    }

    /// Distinct secrets whose keys are shared; others get a key of their own.
    static let signingKeysMax = 4_096

    /// Accepts `event` for delivery to its merchant's endpoint and starts delivering it.
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
        if isKilled {
            counters.enqueued += 1
            counters.abandoned += 1
            return true
        }
        if unlessInFlight && deliveries[event.id] != nil { return false }
        guard let target = targets[event.merchant] else { throw .noEndpoint(event.merchant) }
        guard counters.inFlight < configuration.inFlightMax else {
            counters.rejectedQueueFull += 1
            throw .queueFull(inFlightMax: configuration.inFlightMax)
        }
        counters.enqueued += 1
        counters.inFlight += 1
        let task = runtime.spawn { await self.deliver(event, to: target) }
        // The task cannot end before this line: it needs this actor to start.
        if configuration.restartable { deliveries[event.id] = task }
        return true
    }

    /// Kills the dispatcher, as a crash kills its process: every delivery stops at its next
    /// step without settling (an attempt on the wire is abandoned), the queue is gone, and
    /// nothing it does afterwards is journaled. Waiters for idleness are released.
    public func kill() {
        guard !isKilled else { return }
        isKilled = true
        // In id order: a dictionary's order varies by process, and the order in which the
        // sleeping deliveries wake is the deterministic executor's schedule.
        for (_, task) in deliveries.sorted(by: { $0.key < $1.key }) { task.cancel() }
        deliveries.removeAll()
        let waiters = idleWaiters
        idleWaiters.removeAll()
        for waiter in waiters { waiter.resume() }
    }

    /// Takes over `dead`'s endpoint table for the merchants this dispatcher has none for: the
    /// endpoints and signing secrets are the merchants' configuration (a real service reads
    /// them from its database at boot), not delivery state. Registrations made here since
    /// (while `dead` was down) are newer and kept.
    func adoptEndpoints(of dead: WebhookDispatcher) async {
        let table = await dead.endpointTable()
        for (merchant, target) in table.sorted(by: { $0.key < $1.key }) where targets[merchant] == nil {
            guard targets.count < configuration.endpointsMax else { return }
            targets[merchant] = target
        }
    }

    func endpointTable() -> [MerchantID: Target] { targets }

    /// Returns when no event is in flight (at once for a killed dispatcher).
    public func waitUntilIdle() async {
        if counters.inFlight == 0 || isKilled { return }
        await withCheckedContinuation { idleWaiters.append($0) }
    }

    public func statistics() -> Statistics {
        var result = counters
        result.attemptsP50 = percentile(0.50)
        result.attemptsP99 = percentile(0.99)
        return result
    }

    /// The dead-letter queue, oldest first (at most `deadLettersMax`).
    public func deadLetters() -> [DeadLetter] { Array(deadLetterQueue) }

    /// Removes and returns the dead-letter queue (e.g. for a manual redelivery).
    public func drainDeadLetters() -> [DeadLetter] {
        defer { deadLetterQueue.removeAll() }
        return Array(deadLetterQueue)
    }

    /// The newest attempts, oldest first (at most `traceMax`).
    public func trace() -> [AttemptRecord] { Array(attemptTrace) }

    // MARK: Delivery

    private func deliver(_ event: WebhookEvent, to target: Target) async {
        var delivery = WebhookDelivery(policy: configuration.retryPolicy)
        var random = runtime.randomStream("webhook.delivery", event.id.rawValue)
        while true {
            // Killed before this attempt (or before the delivery began): the event stays owed.
            if isKilled { return abandon() }
            // Each attempt goes to the endpoint registered now, as Stripe retries to the URL
            // configured at the time: a merchant who fixed (or moved) its endpoint gets the
            // retries there.
            let target = targets[event.merchant] ?? target
            let startedAt = runtime.now()
            let header = WebhookSigner.header(
                payload: event.body, key: target.key,
                timestamp: configuration.clock.seconds(at: startedAt))
            let request = WebhookRequest(eventID: event.id, payload: event.body, signatureHeader: header)
            // The endpoint decides its answer and latency on arrival; the sender waits for the
            // answer or gives up at the attempt timeout (the endpoint did the work either way).
            let answer = await target.endpoint.respond(to: request)
            if isKilled { return abandon() }
            let timedOut = answer.latency > configuration.attemptTimeout
            try? await runtime.sleep(for: timedOut ? configuration.attemptTimeout : answer.latency)
            if isKilled { return abandon() }
            let status: Int? = timedOut ? nil : answer.status
            // Everything below runs without suspending: the counters are consistent per attempt.
            counters.attempts += 1
            if status == nil { counters.timeouts += 1 }
            record(
                AttemptRecord(
                    eventID: event.id, attempt: delivery.attempts + 1, startedAt: startedAt, status: status))
            let succeeded = status.map { (200..<300).contains($0) } ?? false
            switch delivery.recordAttempt(succeeded: succeeded, random: &random) {
            case .delivered:
                counters.delivered += 1
                attemptsHistogram[min(delivery.attempts, attemptsHistogram.count - 1)] += 1
                await settled?(event.id, false)
                finish(event.id)
                return
            case .deadLetter:
                counters.deadLettered += 1
                deadLetterQueue.append(
                    DeadLetter(event: event, attempts: delivery.attempts, lastStatus: status))
                if deadLetterQueue.count > configuration.deadLettersMax {
                    deadLetterQueue.removeFirst()
                    counters.deadLettersDropped += 1
                }
                await settled?(event.id, true)
                finish(event.id)
                return
            case .retry(let delay):
                counters.retries += 1
                // A cancelled sleep retries early rather than losing the event.
                try? await runtime.sleep(for: delay)
            }
        }
    }

    private func record(_ attempt: AttemptRecord) {
        guard configuration.traceMax > 0 else { return }
        attemptTrace.append(attempt)
        if attemptTrace.count > configuration.traceMax { attemptTrace.removeFirst() }
    }

    /// A delivery of a killed dispatcher stops without settling: the event stays owed.
    private func abandon() {
        counters.inFlight -= 1
        counters.abandoned += 1
    }

    private func finish(_ id: EventID) {
        if configuration.restartable { deliveries[id] = nil }
        counters.inFlight -= 1
        guard counters.inFlight == 0 else { return }
        let waiters = idleWaiters
        idleWaiters.removeAll()
        for waiter in waiters { waiter.resume() }
    }

    private func percentile(_ fraction: Double) -> Int {
        Self.percentile(fraction, of: attemptsHistogram)
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
