import Core
import PaystormRuntime
import Synchronization

/// A simulated merchant endpoint: it is sometimes down, slow or failing, verifies every
/// signature and processes each event id once.
///
/// Order of a request: during a downtime window it refuses at once (503); otherwise it takes its
/// latency (log-normal), then may fail before processing (500, `failureProbability`), then
/// verifies the signature (400 on failure), then de-duplicates and processes, and finally may
/// lose its acknowledgement (500 after processing, `lostAcknowledgementProbability`), which is
/// what makes a dispatcher redeliver an event the merchant already has. All randomness is drawn
/// before the first suspension, from the endpoint's own stream.
///
/// A class with its state behind a lock rather than an actor: the dispatcher calls `respond`
/// for every attempt, and an actor hop there and back would be two executor jobs an attempt.
package final class WebhookEndpoint: Sendable {
    /// How the endpoint misbehaves.
    public struct Configuration: Sendable {
        /// The endpoint's signing secret (`whsec_…`).
        public var secret: String
        /// Probability that a request fails before processing.
        public var failureProbability: Double
        /// Probability that a processed request still answers 500 (the ack is lost).
        public var lostAcknowledgementProbability: Double
        /// Median response latency.
        public var latencyMedian: Duration
        /// Standard deviation of the latency's logarithm.
        public var latencySigma: Double
        /// Periods (run time) during which the endpoint refuses every request. At most
        /// `downtimesMax` are kept.
        public var downtimes: [Range<SimTime>]
        /// Signature tolerance.
        public var tolerance: Duration
        /// Event ids remembered for de-duplication.
        public var seenEventsMax: Int
        /// Turns run time into Unix seconds for verification.
        public var clock: UnixClock

        public static let downtimesMax = 1024

        public init(
            secret: String, failureProbability: Double = 0, lostAcknowledgementProbability: Double = 0,
            latencyMedian: Duration = .milliseconds(50), latencySigma: Double = 0.5,
            downtimes: [Range<SimTime>] = [], tolerance: Duration = WebhookSigner.defaultTolerance,
            seenEventsMax: Int = 100_000, clock: UnixClock = .standard
        ) {
            self.secret = secret
            self.failureProbability = failureProbability
            self.lostAcknowledgementProbability = lostAcknowledgementProbability
            self.latencyMedian = latencyMedian
            self.latencySigma = latencySigma
            self.downtimes = Array(downtimes.prefix(Self.downtimesMax))
            self.tolerance = tolerance
            self.seenEventsMax = seenEventsMax
            self.clock = clock
        }
    }

    /// Counters since creation.
    public struct Statistics: Hashable, Sendable {
        /// Requests received, whatever happened to them.
        public var received: Int64 = 0
        /// Events processed (first delivery of each id).
        public var processed: Int64 = 0
        /// Correctly signed repeats of an already processed id (acknowledged, not reprocessed).
        public var duplicates: Int64 = 0
        public var badSignatures: Int64 = 0
        public var injectedFailures: Int64 = 0
        public var lostAcknowledgements: Int64 = 0
        public var refusedWhileDown: Int64 = 0
    }

    private struct State {
        var random: RandomStream
        var deduplicator: EventDeduplicator
        var counters = Statistics()
    }

    private let runtime: any Runtime
    private let configuration: Configuration
    private let state: Mutex<State>
    /// `configuration.secret`, keyed once: every attempt is verified.
    private let key: WebhookSigningKey

    /// - Parameter random: the endpoint's own stream, e.g. `runtime.randomStream("endpoint", n)`.
    public init(runtime: any Runtime, configuration: Configuration, random: RandomStream) {
        self.runtime = runtime
        self.configuration = configuration
        self.state = Mutex(
            State(random: random, deduplicator: EventDeduplicator(capacity: configuration.seenEventsMax)))
        self.key = WebhookSigningKey(secret: configuration.secret)
    }

    /// Handles one delivery attempt, taking the endpoint's simulated latency.
    /// - Returns: the HTTP status: 200 processed or duplicate, 400 bad signature, 500 failure,
    ///   503 down.
    public func receive(_ request: WebhookRequest) async -> Int {
        let answer = respond(to: request)
        // A cancelled sleep (the sender timed out) still lets the endpoint finish its work, as a
        // real server does when the client hangs up.
        try? await runtime.sleep(for: answer.latency)
        return answer.status
    }

    /// What the endpoint answers to one delivery attempt and how long the answer takes, decided
    /// at arrival, without sleeping.
    ///
    /// Why: the dispatcher can then wait `min(latency, timeout)` itself instead of racing a
    /// sleeping endpoint against a timeout task (a task group, two child tasks and two timers per
    /// attempt, which measured at about half of a scenario run's CPU). The work is done at
    /// arrival rather than after the latency; for a simulated endpoint nothing observes the
    /// difference except the order of its counters.
    public func respond(to request: WebhookRequest) -> (status: Int, latency: Duration) {
        var header = request.signatureHeader
        return header.withUTF8 { header in
            request.payload.withUnsafeBufferPointer { payload in
                respond(eventID: request.eventID, payload: payload, signatureHeader: header)
            }
        }
    }

    /// `respond(to:)` for an attempt lent as bytes: the simulated dispatcher writes the body
    /// and the header in stack buffers.
    ///
    /// The signature is verified outside the endpoint's lock: the merchants sharing an endpoint
    /// would otherwise queue behind each other's HMAC. What the request draws and whether it is
    /// refused is decided under the lock first, in arrival order, so that a seed gives the same
    /// answers; de-duplication and the counters after.
    package func respond(
        eventID: EventID, payload: UnsafeBufferPointer<UInt8>, signatureHeader: UnsafeBufferPointer<UInt8>
    ) -> (status: Int, latency: Duration) {
        let arrival = runtime.now()
        let latency: Duration
        let losesAcknowledgement: Bool
        switch state.withLock({ draw(arrival: arrival, &$0) }) {
        case .answer(let status, let answered): return (status, answered)
        case .verify(let drawn, let loses):
            latency = drawn
            losesAcknowledgement = loses
        }
        let verified: Bool
        do {
            try WebhookSigner.verify(
                payload: payload, header: signatureHeader,
                key: key, now: configuration.clock.seconds(at: arrival + latency),
                tolerance: configuration.tolerance)
            verified = true
        } catch {
            verified = false
        }
        let status = state.withLock { state in
            guard verified else {
                state.counters.badSignatures += 1
                return 400
            }
            if state.deduplicator.insert(eventID) {
                state.counters.processed += 1
            } else {
                state.counters.duplicates += 1
            }
            if losesAcknowledgement {
                state.counters.lostAcknowledgements += 1
                return 500
            }
            return 200
        }
        return (status, latency)
    }

    /// What an arrival drew under the lock.
    private enum Draw {
        /// Answered without verifying: refused while down (503), or failed first (500).
        case answer(status: Int, latency: Duration)
        /// To verify, then process.
        case verify(latency: Duration, losesAcknowledgement: Bool)
    }

    private func draw(arrival: SimTime, _ state: inout State) -> Draw {
        state.counters.received += 1
        if configuration.downtimes.contains(where: { $0.contains(arrival) }) {
            state.counters.refusedWhileDown += 1
            return .answer(status: 503, latency: .zero)
        }
        let latencyMilliseconds = state.random.logNormal(
            median: Double(configuration.latencyMedian.nanoseconds) / 1e6,
            sigma: configuration.latencySigma)
        let fails = state.random.chance(configuration.failureProbability)
        let losesAcknowledgement = state.random.chance(configuration.lostAcknowledgementProbability)
        let latency = Duration.nanoseconds(Int64(min(max(latencyMilliseconds, 0), 3.6e6) * 1e6))
        if fails {
            state.counters.injectedFailures += 1
            return .answer(status: 500, latency: latency)
        }
        return .verify(latency: latency, losesAcknowledgement: losesAcknowledgement)
    }

    /// True if the endpoint has processed `id` (and still remembers it).
    public func hasProcessed(_ id: EventID) -> Bool { state.withLock { $0.deduplicator.contains(id) } }

    public func statistics() -> Statistics { state.withLock { $0.counters } }
}
