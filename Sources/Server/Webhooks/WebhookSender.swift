import DequeModule
import Foundation
import NIOCore
import PaystormRuntime
import ServiceLifecycle
import Services
import Synchronization
import WireHTTP

/// Delivers events to merchants' webhook endpoints by real HTTP POST, signed as Stripe signs
/// them (`Stripe-Signature: t=<unix seconds>,v1=<HMAC-SHA256 of "t.body">`), retried with
/// exponential backoff until a 2xx answer or the last attempt, then dead-lettered.
///
/// Runs on real time (the server's side of the world). At most `concurrentMax` attempts are in
/// flight; the rest wait in line, first come first sent (`WebhookSenderStateMachine` holds the
/// rules). An event that finds the queue full (deliveries in line and waiting to retry together)
/// is dead-lettered at once and counted, never held without bound; before that, a long line
/// makes the API wait (`waitForRoom`), so that events are produced only as fast as endpoints
/// take them. A failed attempt gives its slot back while it waits for its retry: a dead
/// endpoint's backoff must not hold up every other merchant's webhooks.
///
/// Attempts go out on keep-alive connections (`WireConnectionPool`, the runner's HTTP/1 client)
/// and are started and finished in callbacks on their event loops, without a task per delivery:
/// at several deliveries a request, a task per delivery and then AsyncHTTPClient's
/// per-request machinery cost more than the API request that made the events (PERFORMANCE.md).
final class WebhookSender: Service, Sendable {
    struct Configuration: Sendable {
        var attemptsMax = 5
        var backoffBase: Duration = .seconds(1)
        var backoffMax: Duration = .seconds(60)
        var timeout: Duration = .seconds(10)
        /// Attempts in flight at once, and so connections open at once at most. A delivery
        /// to a local endpoint spends most of its time waiting for a thread when the API's
        /// requests keep both cores busy; 32 and 256 measured the same CPU a delivery on
        /// AsyncHTTPClient, and 32 no less than 256 on `WireHTTP` (PERFORMANCE.md).
        var concurrentMax = 256
        var queueMax = 100_000
        /// From this many deliveries waiting for a slot, write requests to the API wait until
        /// the line is down to half (see `waitForRoom`): a fraction of a second of deliveries,
        /// so that a request waits no longer than that.
        var pushbackWaitingMin = 1_024
    }

    struct Delivery: Sendable {
        var eventID: String
        var eventType: String
        var endpointID: String
        var url: String
        var secret: String
        var body: [UInt8]
        /// The attempt this delivery makes next (1 for a new one).
        var attempt = 1
    }

    /// One attempt's outcome, for the API's and the dashboard's delivery views.
    struct Attempt: Sendable {
        var eventID: String
        var endpointID: String
        var attempt: Int
        /// HTTP status, or nil when the endpoint could not be reached.
        var status: Int?
        var latencyMilliseconds: Int64
        var unixSeconds: Int64
    }

    struct Statistics: Sendable {
        var delivered = 0
        var failedAttempts = 0
        var deadLettered = 0
        var queueFullDrops = 0
    }

    private struct State {
        var machine: WebhookSenderStateMachine<Delivery>
        var statistics = Statistics()
        var attempts = Deque<Attempt>()
        var deadLetters = Deque<Delivery>()
        /// Requests waiting for the line to shorten.
        var roomWaiters: [CheckedContinuation<Void, Never>] = []
        /// `run` waiting for the last attempt in flight once stopped.
        var idleWaiter: CheckedContinuation<Void, Never>?
        /// Endpoints as posted to, by endpoint id, in two generations: a new one goes into
        /// `targets`; when that is full it becomes `targetsBefore` (the one before is dropped),
        /// and one found there moves back. A merchant's endpoint, registered just before its
        /// payments (a load runner onboards each merchant two seconds ahead of its first),
        /// is found by its first delivery, where emptying one table at its bound parsed and
        /// keyed half the endpoints again at the peak (PERFORMANCE.md).
        var targets: [String: WebhookTarget] = [:]
        var targetsBefore: [String: WebhookTarget] = [:]

        mutating func target(of endpointID: String) -> WebhookTarget? {
            if let known = targets[endpointID] { return known }
            guard let known = targetsBefore.removeValue(forKey: endpointID) else { return nil }
            keep(known, endpointID: endpointID)
            return known
        }

        mutating func keep(_ target: WebhookTarget, endpointID: String) {
            if targets.count >= WebhookSender.targetsMax, targets[endpointID] == nil {
                targetsBefore = targets
                targets = [:]
                targets.reserveCapacity(WebhookSender.targetsMax)
            }
            targets[endpointID] = target
        }
    }

    /// A first attempt gathered for the next burst (see `start`).
    private struct Gathered: Sendable {
        var request: WireRequest
        var address: WireAddress
        var deadline: NIODeadline
        var answer: WirePipeliner.Answer
    }

    let configuration: Configuration
    private let pool: WireConnectionPool
    private let state: Mutex<State>
    /// First attempts, pipelined to their endpoint's address (see `start`).
    private let pipeliner: WirePipeliner
    /// First attempts waiting for the burst they go out in.
    private let burst = Mutex<[Gathered]>([])
    static let historyMax = 1_000
    /// Endpoints whose parsed request and signing key are kept, in each of two generations
    /// (about 1 KB each: 16 MB at most).
    static let targetsMax = 8_192

    /// Told of each delivery that needs no more attempts (delivered, or dead-lettered), so
    /// that a journal can say what a resumed server still owes.
    private let onSettled: (@Sendable (Delivery) -> Void)?

    init(configuration: Configuration = Configuration(), onSettled: (@Sendable (Delivery) -> Void)? = nil) {
        self.configuration = configuration
        self.onSettled = onSettled
        state = Mutex(
            State(
                machine: WebhookSenderStateMachine(
                    concurrentMax: configuration.concurrentMax, queueMax: configuration.queueMax,
                    pushbackWaitingMin: configuration.pushbackWaitingMin)))
        // As many idle connections as attempts in flight: every merchant of a test server often
        // shares one receiver, and a burst of deliveries to it finds them open. An endpoint
        // that refuses the connection fails the attempt at once, and the delivery's own backoff
        // retries it.
        // Every header is of the sender's own making (a target's host is checked when it is
        // parsed): NIO's check of each request's headers, byte by byte, is left out.
        pool = WireConnectionPool(idleMax: configuration.concurrentMax, validatesHeaders: false)
        pipeliner = WirePipeliner(pool: pool, depthMax: Self.pipelineDepthMax)
    }

    /// Sends one delivery now or puts it in line, or dead-letters it at once when the queue is
    /// full.
    func send(_ delivery: Delivery) {
        let action = state.withLock { state in
            let action = state.machine.send(delivery)
            if case .deadLetter = action {
                state.statistics.queueFullDrops += 1
                state.statistics.deadLettered += 1
                Self.append(delivery, to: &state.deadLetters)
            }
            return action
        }
        switch action {
        case .start(let delivery): start(delivery)
        case .deadLetter(let delivery): onSettled?(delivery)
        case .queued, .drop: break
        }
    }

    /// Returns at once unless the line of deliveries waiting for a slot is long; then waits
    /// until it is down to half. Write requests call it before they make events, so that an
    /// API faster than its endpoints slows down instead of dead-lettering.
    func waitForRoom() async {
        guard state.withLock({ $0.machine.isBackedUp }) else { return }
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let waits = state.withLock { state -> Bool in
                guard state.machine.isBackedUp else { return false }
                state.roomWaiters.append(waiter)
                return true
            }
            if !waits { waiter.resume() }
        }
    }

    var statistics: Statistics { state.withLock { $0.statistics } }

    /// Takes a dead letter out of the list (to send it again), or nil if it is not there.
    func takeDeadLetter(eventID: String, endpointID: String) -> Delivery? {
        state.withLock { state in
            guard
                let index = state.deadLetters.firstIndex(where: {
                    $0.eventID == eventID && $0.endpointID == endpointID
                })
            else { return nil }
            var delivery = state.deadLetters.remove(at: index)
            // Sent again from its first attempt, with every retry.
            delivery.attempt = 1
            return delivery
        }
    }
    var recentAttempts: [Attempt] { state.withLock { Array($0.attempts) } }
    var deadLetters: [Delivery] { state.withLock { Array($0.deadLetters) } }

    /// Sends until graceful shutdown (or cancellation); then stops starting attempts, lets
    /// those in flight finish and closes the connections. Deliveries still in line, and those
    /// waiting for a retry, are not sent: a journal still owes them.
    func run() async throws {
        try? await gracefulShutdown()
        let (waiters, idle) = state.withLock { state in
            _ = state.machine.stop()
            defer { state.roomWaiters = [] }
            return (state.roomWaiters, state.machine.isIdle)
        }
        for waiter in waiters { waiter.resume() }
        if !idle {
            await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                let idleNow = state.withLock { state -> Bool in
                    guard !state.machine.isIdle else { return true }
                    state.idleWaiter = waiter
                    return false
                }
                if idleNow { waiter.resume() }
            }
        }
        await pool.shutdown()
    }

    /// Requests pipelined on one connection at most. A slow endpoint answers them one after
    /// another, so the last waits for all before it: a burst's worth at the peak (about
    /// 8,000 deliveries a second to one address, 16 in 2 ms), not the line.
    static let pipelineDepthMax = 16

    /// How long first attempts gather before they go out together (`start`): at the peak a
    /// burst of a dozen or more to one address shares a write, a read of the answers and an
    /// event loop's wake-up on each side, where the events of one API call (one or two) went
    /// out alone. Stripe delivers seconds late at times; 2 ms is inside any endpoint's noise.
    static let burstDelay = TimeAmount.milliseconds(2)

    /// Posts `delivery` in a slot already taken for it; its completion starts the next one in
    /// line. A first attempt waits for the burst it goes out in (`burstDelay`), then goes
    /// through `pipeliner`: with every other first attempt of the burst to its endpoint's
    /// address, pipelined on one connection (up to `pipelineDepthMax`), in one write, their
    /// answers in one read, where each took a write and a read of its own (PERFORMANCE.md).
    /// One left unanswered by a lost connection is a failed attempt, retried as any; an
    /// endpoint that closes after each answer gets one at a time (the pipeliner sends the
    /// first alone on a fresh connection and the rest only on one that stayed open). A retry
    /// goes alone, at once.
    ///
    /// An answer comes on a connection's event loop, never inline; a failure (no connection, or
    /// none that answered) is finished later on an event loop, since it may come inline and a
    /// line of deliveries to a dead endpoint would otherwise recurse through `slotFreed`.
    private func start(_ delivery: Delivery) {
        let started = NIODeadline.now()
        guard let target = target(of: delivery) else {
            // Not a URL the sender can post to (`http://` alone): a failed attempt, as an
            // unreachable endpoint is.
            failLater(delivery, started: started)
            return
        }
        let request = target.request(
            body: delivery.body, timestampUnixSeconds: Int64(Date().timeIntervalSince1970))
        // One deadline bounds the whole attempt, connecting included.
        let deadline = started + TimeAmount(configuration.timeout)
        guard delivery.attempt > 1 else {
            let gathered = Gathered(request: request, address: target.address, deadline: deadline) {
                [self] outcome in
                guard case .answered(let response) = outcome else {
                    failLater(delivery, started: started)
                    return
                }
                finish(delivery, status: response.status, started: started)
            }
            let opens = burst.withLock { burst in
                burst.append(gathered)
                return burst.count == 1
            }
            if opens {
                pool.eventLoopGroup.any().scheduleTask(in: Self.burstDelay) { [self] in sendBurst() }
            }
            return
        }
        pool.lease(target.address, deadline: deadline) { [self] connection in
            guard let connection else {
                failLater(delivery, started: started)
                return
            }
            connection.send(request, deadline: deadline) { [self] response in
                pool.release(connection)
                guard let response else {
                    failLater(delivery, started: started)
                    return
                }
                finish(delivery, status: response.status, started: started)
            }
        }
    }

    /// Hands the burst's first attempts to the pipeliner, on the event loop that gathered them:
    /// it takes them all before it writes any, so that those to one address share connections.
    private func sendBurst() {
        let gathered = burst.withLock { burst in
            defer { burst.removeAll(keepingCapacity: true) }
            return burst
        }
        for attempt in gathered {
            pipeliner.send(
                attempt.request, to: attempt.address, deadline: attempt.deadline, answer: attempt.answer)
        }
    }

    /// Finishes `delivery`'s attempt as failed, on an event loop rather than here (see `start`).
    private func failLater(_ delivery: Delivery, started: NIODeadline) {
        pool.eventLoopGroup.any().execute { [self] in finish(delivery, status: nil, started: started) }
    }

    /// The endpoint of `delivery`, parsed and keyed once; nil for a URL it cannot post to.
    private func target(of delivery: Delivery) -> WebhookTarget? {
        if let known = state.withLock({ $0.target(of: delivery.endpointID) }), known.url == delivery.url,
            known.secret == delivery.secret
        {
            return known
        }
        guard let target = WebhookTarget(url: delivery.url, secret: delivery.secret) else { return nil }
        state.withLock { $0.keep(target, endpointID: delivery.endpointID) }
        return target
    }

    /// Keeps `target` as the endpoint's until its URL or secret changes (or two generations of
    /// others pass it), so that its first delivery does not parse and key it again.
    func remember(_ target: WebhookTarget, endpointID: String) {
        state.withLock { $0.keep(target, endpointID: endpointID) }
    }

    /// Records an attempt's outcome, settles or schedules the delivery's retry, and gives the
    /// slot to the next delivery in line.
    private func finish(_ delivery: Delivery, status: Int?, started: NIODeadline) {
        let latencyMilliseconds = (NIODeadline.now() - started).nanoseconds / 1_000_000
        let ok = status.map { (200..<300).contains($0) } ?? false
        let last = delivery.attempt >= configuration.attemptsMax
        state.withLock { state in
            if state.attempts.count >= Self.historyMax { state.attempts.removeFirst() }
            state.attempts.append(
                Attempt(
                    eventID: delivery.eventID, endpointID: delivery.endpointID, attempt: delivery.attempt,
                    status: status, latencyMilliseconds: latencyMilliseconds,
                    unixSeconds: Int64(Date().timeIntervalSince1970)))
            if ok {
                state.statistics.delivered += 1
            } else {
                state.statistics.failedAttempts += 1
                if last {
                    state.statistics.deadLettered += 1
                    Self.append(delivery, to: &state.deadLetters)
                }
            }
        }
        if ok {
            ProcessorMetrics.webhookDelivered.increment()
            onSettled?(delivery)
        } else if last {
            ProcessorMetrics.webhookDeadLettered.increment()
            onSettled?(delivery)
        } else {
            ProcessorMetrics.webhookFailedAttempts.increment()
            var retry = delivery
            retry.attempt += 1
            scheduleRetry(retry, after: backoff(after: delivery.attempt))
        }
        slotFreed()
    }

    /// Starts the next delivery in line in the slot an attempt freed, and lets the requests
    /// waiting for room go on once the line is short again (or a stopped sender's `run` once
    /// nothing is in flight).
    private func slotFreed() {
        let (next, waiters, idleWaiter) = state.withLock { state in
            let next = state.machine.attemptFinished()
            var waiters: [CheckedContinuation<Void, Never>] = []
            if !state.machine.isBackedUp, !state.roomWaiters.isEmpty { swap(&waiters, &state.roomWaiters) }
            var idleWaiter: CheckedContinuation<Void, Never>?
            if state.machine.isIdle { swap(&idleWaiter, &state.idleWaiter) }
            return (next, waiters, idleWaiter)
        }
        for waiter in waiters { waiter.resume() }
        idleWaiter?.resume()
        if let next { start(next) }
    }

    /// Puts `delivery` back in line after `delay`, unless the sender stops first.
    private func scheduleRetry(_ delivery: Delivery, after delay: Duration) {
        guard state.withLock({ $0.machine.retryScheduled() }) else { return }
        // A timer on an event loop, not a sleep in a slot: the slot is free meanwhile. One that
        // fires after the sender stopped sends nothing.
        pool.eventLoopGroup.any().scheduleTask(in: TimeAmount(delay)) { [self] in
            switch state.withLock({ $0.machine.retryDue(delivery) }) {
            case .start(let delivery): start(delivery)
            case .queued, .drop, .deadLetter: break
            }
        }
    }

    /// Doubling from `backoffBase`, capped at `backoffMax`, each wait drawn in [half, all] of
    /// that so that endpoints coming back are not hit by every retry at once. The server runs on
    /// real time: the system's generator draws the jitter.
    func backoff(after attempt: Int) -> Duration {
        var random = SystemRandomNumberGenerator()
        // A base above the cap (`--webhook-backoff-milliseconds` allows an hour) waits the cap.
        let first = min(configuration.backoffBase, configuration.backoffMax)
        return Backoff(first: first, max: configuration.backoffMax, jitter: .half)
            .delay(afterRetries: attempt - 1, using: &random)
    }

    private static func append(_ delivery: Delivery, to letters: inout Deque<Delivery>) {
        if letters.count >= historyMax { letters.removeFirst() }
        letters.append(delivery)
    }
}
