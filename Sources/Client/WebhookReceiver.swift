import DequeModule
import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOPosix
import Scenarios
import Services
import Synchronization

/// The merchants' webhook endpoint in a run over the wire: an HTTP server on a loopback port
/// (`WebhookReceiverHandler` on SwiftNIO), registered through the API as every onboarded
/// merchant's endpoint. It verifies every
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
        /// Each endpoint's secret, keyed once: keying HMAC for every delivery was about a
        /// seventh of `receive`'s samples under `perf`.
        var keys: [String: WebhookSigningKey] = [:]
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
    private struct Server {
        var listener: (any Channel)?
        var connections: [ObjectIdentifier: any Channel] = [:]
        var isStopped = false
    }

    private let server = Mutex(Server())

    public init() {}

    /// Listens on a free loopback port; returns once it is bound.
    public static func start() async throws -> WebhookReceiver {
        let receiver = WebhookReceiver()
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 1_024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard receiver.track(channel) else { throw ChannelError.ioOnClosedChannel }
                    // Its answers carry two headers of its own, nothing to validate.
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withOutboundHeaderValidation: false)
                    try channel.pipeline.syncOperations.addHandler(WebhookReceiverHandler(receiver: receiver))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let port = listener.localAddress?.port, port > 0 else {
            try? await listener.close()
            throw WireError.malformed("receiver port")
        }
        receiver.server.withLock { $0.listener = listener }
        receiver.port.withLock { $0 = port }
        return receiver
    }

    /// Keeps a connection to close at `stop()`; false once stopped.
    private func track(_ channel: any Channel) -> Bool {
        let id = ObjectIdentifier(channel)
        let tracked = server.withLock { server in
            guard !server.isStopped else { return false }
            server.connections[id] = channel
            return true
        }
        if tracked {
            channel.closeFuture.whenComplete { [weak self] _ in
                _ = self?.server.withLock { $0.connections.removeValue(forKey: id) }
            }
        }
        return tracked
    }

    /// Stops listening and closes the senders' connections.
    public func stop() async {
        let (listener, connections) = server.withLock { server in
            server.isStopped = true
            defer { server.connections = [:] }
            return (server.listener, Array(server.connections.values))
        }
        try? await listener?.close()
        for connection in connections { try? await connection.close() }
    }

    /// The URL a merchant's endpoint is registered under.
    func url(token: String) -> String {
        "http://127.0.0.1:\(port.withLock { $0 ?? 0 })/hooks/\(token)"
    }

    /// The secret the API gave the endpoint `token`.
    func register(token: String, secret: String) {
        let key = WebhookSigningKey(secret: secret)
        state.withLock { $0.keys[token] = key }
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

    /// What the endpoint does with a delivery, by its mode, before it reads it.
    enum Arrival: Equatable {
        /// Answered at once with this status, not read (a fault).
        case answer(HTTPResponse.Status)
        /// Read and checked now, its clock this many seconds off.
        case check(skewSeconds: Int64)
        /// Read and checked this many milliseconds from now (a slow endpoint).
        case checkAfter(milliseconds: Int64)
    }

    /// A delivery to the endpoint `token` arrived: counted, and its fate by the mode.
    func arrive(token: String) -> Arrival {
        state.withLock { state in
            state.received += 1
            state.lastArrival = .now
            switch state.mode {
            case .normal: return .check(skewSeconds: 0)
            case .down:
                // A dead endpoint behind its load balancer: refused at once, never read.
                state.refusedByFault += 1
                return .answer(.serviceUnavailable)
            case .failing(let rate):
                guard Double.random(in: 0..<1) < rate else { return .check(skewSeconds: 0) }
                state.refusedByFault += 1
                return .answer(.internalServerError)
            case .slow(let milliseconds): return .checkAfter(milliseconds: milliseconds)
            case .skewed(let seconds): return .check(skewSeconds: seconds)
            }
        }
    }

    /// One delivery, start to end (the path a handler takes, with a slow endpoint's wait as a
    /// sleep).
    func receive(token: String, body: [UInt8], signature: String?) async -> HTTPResponse.Status {
        switch arrive(token: token) {
        case .answer(let status): return status
        case .check(let skewSeconds):
            return check(token: token, body: body, signature: signature, skewSeconds: skewSeconds)
        case .checkAfter(let milliseconds):
            try? await Task.sleep(for: .milliseconds(milliseconds))
            return check(token: token, body: body, signature: signature, skewSeconds: 0)
        }
    }

    /// Verifies a delivery's signature under its endpoint's secret, counts its event once and
    /// notes how long after the acknowledgement of its payment it came.
    func check(token: String, body: [UInt8], signature: String?, skewSeconds: Int64) -> HTTPResponse.Status {
        let key = state.withLock { $0.keys[token] }
        let now = Int64(Date().timeIntervalSince1970) + skewSeconds
        guard let key, let signature,
            (try? WebhookSigner.verify(payload: body, header: signature, key: key, now: now)) != nil
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
