import DequeModule
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Scenarios
import ServiceLifecycle
import Services
import Synchronization

/// The merchants' webhook endpoint in a run over the wire: a Hummingbird server on a loopback
/// port, registered through the API as every onboarded merchant's endpoint. It verifies every
/// `Stripe-Signature` under the secret the API gave that merchant, counts each event id once,
/// records how long after the client's acknowledgement of a payment its events arrive, and
/// plays the scenario's webhook faults (down, erroring, slow, skewed clock).
///
/// Runs on real time (the client's side of the world). Its memories are bounded: the event ids
/// seen and the acknowledgements waiting for an event keep at most `idsMax` each (the oldest go).
public final class WebhookReceiver: WebhookWitness {
    static let idsMax = 2_000_000
    static let quietMax: Duration = .seconds(10)

    private struct State {
        var secrets: [String: String] = [:]
        var mode: FaultPlan.EndpointMode = .normal
        var seen: Set<String> = []
        var seenOrder = Deque<String>()
        /// Payments the client was told about and no event has named yet, with when.
        var waiting: [String: ContinuousClock.Instant] = [:]
        var waitingOrder = Deque<String>()
        /// Payments an event named before their client had its answer (the webhook can beat the
        /// HTTP response): their acknowledgement waits for nothing.
        var namedEarly: Set<String> = []
        var namedEarlyOrder = Deque<String>()
        /// Idempotency keys whose change the client was told of: another 2xx answer to the same
        /// key (a resend, a replay) tells of the same change, whose events were emitted once.
        var acknowledgedKeys: Set<String> = []
        var acknowledgedKeyOrder = Deque<String>()
        var forgotten = 0
        var acknowledged = 0
        var received = 0
        var accepted = 0
        var duplicates = 0
        var refusedByFault = 0
        var badSignatures = 0
        var badSignatureExamples: [String] = []
        var lastArrival = ContinuousClock.now
        var latency = LatencyHistogram()
    }

    private let state = Mutex(State())
    private let port = Mutex<Int?>(nil)
    private let server = Mutex<(task: Task<Void, any Error>, group: ServiceGroup)?>(nil)

    public init() {}

    /// Listens on a free loopback port; returns once it is bound.
    public static func start() async throws -> WebhookReceiver {
        let receiver = WebhookReceiver()
        let (bound, continuation) = AsyncStream.makeStream(of: Int.self)
        let router = Router()
        router.post("/hooks/:token") { request, context -> HTTPResponse.Status in
            let token = context.parameters.get("token") ?? ""
            let body = try await request.body.collect(upTo: 1 << 20)
            let signature = request.headers[HTTPField.Name("Stripe-Signature")!]
            return await receiver.receive(token: token, body: Array(buffer: body), signature: signature)
        }
        var logger = Logger(label: "paystorm.webhook-receiver")
        logger.logLevel = .warning
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger)
        // Its own service group, stopped gracefully by `stop()`: cancelling a server with
        // connections open traps in NIO.
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task { try await group.run() }
        receiver.server.withLock { $0 = (task, group) }
        var iterator = bound.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw WireError.malformed("receiver port") }
        receiver.port.withLock { $0 = port }
        return receiver
    }

    /// Stops listening.
    public func stop() async {
        guard let (task, group) = server.withLock({ $0 }) else { return }
        await group.triggerGracefulShutdown()
        _ = await task.result
    }

    /// The URL a merchant's endpoint is registered under.
    func url(token: String) -> String {
        "http://127.0.0.1:\(port.withLock { $0 ?? 0 })/hooks/\(token)"
    }

    /// The secret the API gave the endpoint `token`.
    func register(token: String, secret: String) {
        state.withLock { $0.secrets[token] = secret }
    }

    /// The client was told about a change of the payment `id` (a 2xx answer naming it, to the
    /// request sent with `idempotencyKey`): its events are awaited from now. A second answer to
    /// the same key (the client resent the request: a merchant's retry, an answer lost and
    /// asked again) tells of the same change, whose events were emitted once, when the first
    /// request ran: it awaits nothing new.
    func acknowledged(_ id: String, idempotencyKey: String?) {
        let now = ContinuousClock.now
        state.withLock { state in
            if let key = idempotencyKey {
                guard state.acknowledgedKeys.insert(key).inserted else { return }
                state.acknowledgedKeyOrder.append(key)
                if state.acknowledgedKeyOrder.count > Self.idsMax,
                    let oldest = state.acknowledgedKeyOrder.popFirst()
                {
                    state.acknowledgedKeys.remove(oldest)
                }
            }
            if state.namedEarly.remove(id) != nil {
                // Its event came before the client read the answer: delivered with no wait
                // after the acknowledgement. Counted as 0, or a fast sender would leave the
                // figure empty and its percentiles would describe only the late deliveries.
                state.acknowledged += 1
                state.latency.record(nanoseconds: 0)
                return
            }
            if state.waiting.updateValue(now, forKey: id) == nil {
                state.acknowledged += 1
                state.waitingOrder.append(id)
                if state.waitingOrder.count > Self.idsMax, let oldest = state.waitingOrder.popFirst() {
                    if state.waiting.removeValue(forKey: oldest) != nil { state.forgotten += 1 }
                }
            }
        }
    }

    public func setMode(_ mode: FaultPlan.EndpointMode) { state.withLock { $0.mode = mode } }

    func receive(token: String, body: [UInt8], signature: String?) async -> HTTPResponse.Status {
        // The mode and the endpoint's secret under one lock: a run takes four events a payment.
        let (mode, secret) = state.withLock { state in
            state.received += 1
            state.lastArrival = .now
            return (state.mode, state.secrets[token])
        }
        var skewSeconds: Int64 = 0
        switch mode {
        case .normal: break
        case .down:
            // A dead endpoint behind its load balancer: refused at once, never read.
            state.withLock { $0.refusedByFault += 1 }
            return .serviceUnavailable
        case .failing(let rate):
            if Double.random(in: 0..<1) < rate {
                state.withLock { $0.refusedByFault += 1 }
                return .internalServerError
            }
        case .slow(let milliseconds):
            try? await Task.sleep(for: .milliseconds(milliseconds))
        case .skewed(let seconds):
            skewSeconds = seconds
        }
        let now = Int64(Date().timeIntervalSince1970) + skewSeconds
        guard let secret, let signature,
            (try? WebhookSigner.verify(payload: body, header: signature, secret: secret, now: now)) != nil
        else {
            state.withLock { state in
                state.badSignatures += 1
                if state.badSignatureExamples.count < 5 {
                    state.badSignatureExamples.append("endpoint \(token): \(signature ?? "no header")")
                }
            }
            return .badRequest
        }
        guard let event = WebhookEventFields(json: body) else { return .badRequest }
        let id = event.id
        let payment = event.payment
        let arrived = ContinuousClock.now
        state.withLock { state in
            guard state.seen.insert(id).inserted else {
                state.duplicates += 1
                return
            }
            state.accepted += 1
            state.seenOrder.append(id)
            if state.seenOrder.count > Self.idsMax, let oldest = state.seenOrder.popFirst() {
                state.seen.remove(oldest)
            }
            if let payment, state.waiting[payment] == nil, state.namedEarly.insert(payment).inserted {
                state.namedEarlyOrder.append(payment)
                if state.namedEarlyOrder.count > Self.idsMax, let oldest = state.namedEarlyOrder.popFirst() {
                    state.namedEarly.remove(oldest)
                }
            }
            if let payment, let told = state.waiting.removeValue(forKey: payment) {
                let waited = told.duration(to: arrived).components
                state.latency.record(
                    nanoseconds: waited.seconds * 1_000_000_000 + waited.attoseconds / 1_000_000_000)
            }
        }
        return .ok
    }

    public func settle(grace: Duration) async {
        // Deliveries still retrying arrive for a while after the load: wait until every
        // acknowledged payment has had an event, or `quietMax` passes with none (longer than the
        // server's fourth retry backoff), at most `grace`.
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            let quiet = state.withLock {
                $0.waiting.isEmpty || $0.lastArrival.duration(to: .now) > Self.quietMax
            }
            if quiet { break }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    public func verdict(audit: TargetAudit?) -> WebhookVerdict {
        state.withLock { state in
            var figures = RunReport.WebhookFigures()
            figures.events = state.accepted
            figures.delivered = state.accepted
            figures.retried = state.refusedByFault
            figures.duplicatesIgnored = state.duplicates
            figures.deadLettered = audit?.webhooksDeadLettered ?? 0
            // A payment the client was told about whose events never came: allowed only as
            // many as the server dead-lettered (each missing payment needs at least one).
            let missing = state.waiting.count
            let allowed = audit?.webhooksDeadLettered ?? 0
            let unexplained = max(0, missing - allowed)
            let examples = state.waiting.keys.sorted().prefix(unexplained > 0 ? 5 : 0).map {
                "\($0): acknowledged, no event received (\(missing) such, \(allowed) dead-lettered)"
            }
            return WebhookVerdict(
                figures: figures, latencyMilliseconds: state.latency.summary,
                checks: [
                    .init(
                        .webhookSignaturesValid, violations: state.badSignatures,
                        examples: state.badSignatureExamples),
                    .init(
                        .acknowledgedPaymentEventsDeliveredOrDeadLettered,
                        violations: unexplained,
                        examples: examples),
                ])
        }
    }
}
