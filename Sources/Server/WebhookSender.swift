import AsyncHTTPClient
import DequeModule
import Foundation
import NIOCore
import NIOHTTP1
import PaystormRuntime
import ServiceLifecycle
import Services
import Synchronization

/// Delivers events to merchants' webhook endpoints by real HTTP POST, signed as Stripe signs
/// them (`Stripe-Signature: t=<unix seconds>,v1=<HMAC-SHA256 of "t.body">`), retried with
/// exponential backoff until a 2xx answer or the last attempt, then dead-lettered.
///
/// Runs on real time (the server's side of the world). Deliveries wait in a bounded queue and at
/// most `concurrentMax` attempts are in flight; an event that finds the queue full (deliveries
/// queued and waiting to retry together) is dead-lettered at once and counted, never held
/// without bound. A failed attempt gives its slot back while it waits for its retry: a dead
/// endpoint's backoff must not hold up every other merchant's webhooks.
final class WebhookSender: Service, Sendable {
    struct Configuration: Sendable {
        var attemptsMax = 5
        var backoffBase: Duration = .seconds(1)
        var backoffMax: Duration = .seconds(60)
        var timeout: Duration = .seconds(10)
        /// A delivery to a local endpoint spends most of its time waiting for a thread, not
        /// working, when the API's requests keep both cores busy: with 64 in flight the sender
        /// drained about 3,500 deliveries/s beside 4,400 create+confirm requests/s (three to
        /// four events each), and dead-lettered the rest once its queue was full.
        var concurrentMax = 256
        var queueMax = 100_000
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
        var statistics = Statistics()
        var attempts = Deque<Attempt>()
        var deadLetters = Deque<Delivery>()
        /// Deliveries waiting for a free slot, and waiting for their next attempt.
        var queued = 0
        var retrying = 0
        /// Stopped: a retry whose timer fires now is not sent.
        var stopped = false
    }

    let configuration: Configuration
    private let client: HTTPClient
    private let stream: AsyncStream<Delivery>
    private let continuation: AsyncStream<Delivery>.Continuation
    private let state = Mutex(State())
    static let historyMax = 1_000

    /// Told of each delivery that needs no more attempts (delivered, or dead-lettered), so
    /// that a journal can say what a resumed server still owes.
    private let onSettled: (@Sendable (Delivery) -> Void)?

    init(configuration: Configuration = Configuration(), onSettled: (@Sendable (Delivery) -> Void)? = nil) {
        self.configuration = configuration
        self.onSettled = onSettled
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.timeout = .init(connect: .seconds(5), read: .seconds(10))
        // As many connections to one endpoint as deliveries in flight (the default is 8): every
        // merchant of a test server often shares one receiver.
        clientConfiguration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.concurrentMax
        )
        // An endpoint that refuses the connection fails the attempt at once, and the delivery's
        // own backoff retries it: the client's default (reconnecting until the connect timeout)
        // spent 5 s of a slot on every attempt at a dead endpoint.
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        (stream, continuation) = AsyncStream.makeStream(of: Delivery.self, bufferingPolicy: .unbounded)
    }

    /// Queues one delivery, or dead-letters it at once when the queue is full.
    func send(_ delivery: Delivery) {
        let admitted = state.withLock { state -> Bool in
            guard state.queued + state.retrying < configuration.queueMax else {
                state.statistics.queueFullDrops += 1
                state.statistics.deadLettered += 1
                Self.append(delivery, to: &state.deadLetters)
                return false
            }
            state.queued += 1
            return true
        }
        if admitted { continuation.yield(delivery) } else { onSettled?(delivery) }
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

    func run() async throws {
        await withDiscardingTaskGroup { group in
            var running = 0
            let finished = AsyncStream<Void>.makeStream()
            var finishedIterator = finished.stream.makeAsyncIterator()
            for await delivery in stream.cancelOnGracefulShutdown() {
                if running >= configuration.concurrentMax {
                    _ = await finishedIterator.next()
                    running -= 1
                }
                running += 1
                state.withLock { $0.queued -= 1 }
                group.addTask { [self] in
                    await attempt(delivery)
                    finished.continuation.yield()
                }
            }
            // Deliveries waiting for a retry are not requests in flight: they stop here.
            state.withLock { $0.stopped = true }
        }
        try await client.shutdown()
    }

    /// Makes one attempt; a failure before the last attempt waits for its retry on a timer of
    /// its own, not in a slot.
    private func attempt(_ delivery: Delivery) async {
        let attempt = delivery.attempt
        let started = ContinuousClock.now
        let status = await post(delivery)
        let latency = started.duration(to: .now)
        let ok = status.map { (200..<300).contains($0) } ?? false
        state.withLock {
            if $0.attempts.count >= Self.historyMax { $0.attempts.removeFirst() }
            $0.attempts.append(
                Attempt(
                    eventID: delivery.eventID, endpointID: delivery.endpointID, attempt: attempt,
                    status: status,
                    latencyMilliseconds: latency.components.seconds * 1_000
                        + latency.components.attoseconds / 1_000_000_000_000_000,
                    unixSeconds: Int64(Date().timeIntervalSince1970)))
            if ok { $0.statistics.delivered += 1 } else { $0.statistics.failedAttempts += 1 }
        }
        if ok {
            ProcessorMetrics.webhookDelivered.increment()
            onSettled?(delivery)
            return
        }
        guard attempt < configuration.attemptsMax else {
            state.withLock {
                $0.statistics.deadLettered += 1
                Self.append(delivery, to: &$0.deadLetters)
            }
            ProcessorMetrics.webhookDeadLettered.increment()
            onSettled?(delivery)
            return
        }
        ProcessorMetrics.webhookFailedAttempts.increment()
        var retry = delivery
        retry.attempt = attempt + 1
        scheduleRetry(retry, after: backoff(after: attempt))
    }

    /// Puts `delivery` back in the queue after `delay`, unless the sender stops first.
    private func scheduleRetry(_ delivery: Delivery, after delay: Duration) {
        let scheduled = state.withLock { state -> Bool in
            guard !state.stopped else { return false }
            state.retrying += 1
            return true
        }
        guard scheduled else { return }
        // A timer rather than a sleep in the delivery's task: the slot is free meanwhile. One
        // that fires after the sender stopped does nothing.
        Task { [self] in
            try? await Task.sleep(for: delay)
            let due = state.withLock { state -> Bool in
                state.retrying -= 1
                guard !state.stopped else { return false }
                state.queued += 1
                return true
            }
            if due { continuation.yield(delivery) }
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

    private func post(_ delivery: Delivery) async -> Int? {
        var request = HTTPClientRequest(url: delivery.url)
        request.method = .POST
        let timestamp = Int64(Date().timeIntervalSince1970)
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "User-Agent", value: "Stripe/1.0 (+https://stripe.com/docs/webhooks)")
        request.headers.add(
            name: "Stripe-Signature",
            value: WebhookSigner.header(payload: delivery.body, secret: delivery.secret, timestamp: timestamp)
        )
        request.body = .bytes(ByteBuffer(bytes: delivery.body))
        do {
            let response = try await client.execute(
                request, timeout: .seconds(configuration.timeout.components.seconds))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return Int(response.status.code)
        } catch {
            return nil
        }
    }

    private static func append(_ delivery: Delivery, to letters: inout Deque<Delivery>) {
        if letters.count >= historyMax { letters.removeFirst() }
        letters.append(delivery)
    }
}
