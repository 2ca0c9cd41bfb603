import Ledger

/// A fault to inject, as a scenario file declares it: what breaks, where, when, how hard, and
/// how often a seed switches it on.
///
/// Rates and added latencies are bounds, not values: each seed draws its own value within them
/// (swarm testing, as TigerBeetle's simulator does), and `enabledProbability` switches the whole
/// fault on for that share of seeds (FoundationDB's BUGGIFY uses 1/4). `FaultPlan` makes those
/// draws from the scenario's seed, so `paystorm run --seed N` and seed N of a swarm inject the
/// same faults.
public struct FaultSpec: Sendable, Equatable {
    /// What breaks.
    public enum Kind: String, Sendable, CaseIterable {
        /// Card-network answers take `addedLatencyMs` longer (past the 10 s timeout they are lost).
        /// With `start` or `duration`, only during that window.
        case networkLatency = "network_latency"
        /// Card-network answers are lost with probability `rate`, after the issuer may or may not
        /// have decided: the dangerous case, resolved by inquiry or reversal. With `start` or
        /// `duration`, only during that window.
        case networkTimeouts = "network_timeouts"
        /// Nothing answers during the window: callers time out; the requests never reached the issuer.
        case networkOutage = "network_outage"
        /// The network flaps: during the window, each 250 ms slot is down with probability `rate`,
        /// answering at once with `issuer_not_available` (fail fast) when no outage targets it too.
        case networkErrors = "network_errors"
        /// Merchant webhook endpoints refuse every delivery (503) during the window.
        case webhookEndpointDown = "webhook_endpoint_down"
        /// Merchant webhook endpoints answer 500 with probability `rate` during the window.
        case webhookEndpointErrors = "webhook_endpoint_errors"
        /// Merchant webhook endpoints answer `addedLatencyMs` later during the window (past the
        /// dispatcher's 10 s attempt timeout an attempt counts as timed out and is retried).
        case webhookEndpointSlow = "webhook_endpoint_slow"
        /// Clients resend `rate` of their requests with the same idempotency key.
        case clientRetryStorm = "client_retry_storm"
        /// The whole process dies at one instant (drawn in `start`...`start + duration`), losing
        /// everything in memory and every answer in flight; it restarts from the journal and
        /// the run goes on.
        case crash
        /// Merchant webhook endpoints' clocks run `skewSeconds` ahead of (or, negative, behind)
        /// Paystorm's during the window: past the 300 s signature tolerance, the endpoint refuses
        /// every signature as too old (400) and the dispatcher retries.
        case clockSkew = "clock_skew"
        /// Every journal append (and so every acknowledgement) waits `addedLatencyMs` longer for
        /// its sync during the window. The run journals in memory if it has no journal.
        case journalSlowSync = "journal_slow_sync"
        /// During the window each journal append fails with probability `rate` (a failed sync:
        /// nothing of it is durable). The step that needed it is undone and its client gets a
        /// retryable 503 (`journal_unavailable`); appends completing a durable step are retried.
        /// The run journals in memory if it has no journal.
        case journalFailingSync = "journal_failing_sync"
        /// One service (`target`) dies at one instant (drawn in `start`...`start +
        /// duration`), losing its in-memory state, while the rest of the system runs on; after
        /// `restart_after` a fresh one rebuilds that state from the journal. The run journals in
        /// memory if it has no journal.
        case serviceCrash = "service_crash"

        /// Faults always switched on and off at their times (from `start`, for `duration`).
        public var isWindowed: Bool {
            switch self {
            case .networkOutage, .networkErrors, .webhookEndpointDown, .webhookEndpointErrors,
                .webhookEndpointSlow, .crash,
                .clockSkew,
                .journalSlowSync, .journalFailingSync, .serviceCrash:
                true
            case .networkLatency, .networkTimeouts, .clientRetryStorm: false
            }
        }

        /// Faults that may have a window: the windowed ones, and network timeouts and latency,
        /// which without `start` or `duration` last the whole load phase (set in the network's
        /// configuration), and with one are switched by the network's fault hook. A client
        /// retry storm always lasts the whole load (the traffic mix has no runtime switch).
        public var acceptsWindow: Bool { isWindowed || self == .networkLatency || self == .networkTimeouts }

        var usesRate: Bool {
            switch self {
            case .networkTimeouts, .networkErrors, .webhookEndpointErrors, .clientRetryStorm,
                .journalFailingSync:
                true
            case .networkLatency, .networkOutage, .webhookEndpointDown, .webhookEndpointSlow, .crash,
                .clockSkew, .journalSlowSync, .serviceCrash:
                false
            }
        }

        /// Kinds with an `added_latency_ms` key.
        var addsLatency: Bool {
            self == .networkLatency || self == .journalSlowSync || self == .webhookEndpointSlow
        }

        var targetsNetworks: Bool {
            switch self {
            case .networkLatency, .networkTimeouts, .networkOutage, .networkErrors: true
            case .webhookEndpointDown, .webhookEndpointErrors, .webhookEndpointSlow, .clientRetryStorm,
                .crash,
                .clockSkew, .journalSlowSync, .journalFailingSync, .serviceCrash:
                false
            }
        }

        /// Kinds that target the journal (`journal` or `all`).
        var targetsJournal: Bool { self == .journalSlowSync || self == .journalFailingSync }

        /// Kinds that target merchant webhook endpoints (all, or `endpoint-N`).
        var targetsEndpoints: Bool {
            self == .webhookEndpointDown || self == .webhookEndpointErrors || self == .webhookEndpointSlow
                || self == .clockSkew
        }
    }

    /// A service a `service_crash` can kill. Only services whose in-memory state the
    /// journal can rebuild while the rest of the system runs on are listed (the fraud engine's
    /// card history, for one, is not journaled: a restart could not rebuild it).
    public enum Service: String, Sendable, CaseIterable {
        /// The webhook dispatcher: its deliveries in flight and its queue.
        case webhookDispatcher = "webhook_dispatcher"
    }

    /// Where it breaks.
    public enum Target: Sendable, Equatable, CustomStringConvertible {
        /// Every card network (Visa, Mastercard, Amex), every endpoint, every client, or the
        /// journal.
        case all
        case network(PaymentNetwork)
        /// One simulated merchant endpoint, by index.
        case endpoint(Int)
        /// One service.
        case service(Service)

        public var description: String {
            switch self {
            case .all: "all"
            case .network(let name): name.rawValue
            case .endpoint(let index): "endpoint \(index)"
            case .service(let service): service.rawValue
            }
        }
    }

    /// Longest window and latest start a fault may have (a week of run time).
    public static let timeMax: Duration = .seconds(7 * 86_400)
    /// Added latency beyond this is pointless: the network times out at 10 s anyway.
    public static let addedLatencyMsMax = 60_000.0
    /// A clock skewed by more than a day is a misconfigured clock, not a skew.
    public static let skewSecondsMax = 86_400.0
    /// How long a crashed service stays down when the file does not say.
    public static let restartAfterDefault: Duration = .seconds(1)
    /// Longest a crashed service stays down: past an hour it is an outage, not a restart.
    public static let restartAfterMax: Duration = .seconds(3_600)

    public var kind: Kind
    public var target: Target
    /// Offset from the start of the run.
    public var start: Duration
    /// Length of the window; nil lasts until the load ends (then everything heals).
    public var duration: Duration?
    /// Bounds of the probability the fault uses (timeouts, errors, retries).
    public var rate: ClosedRange<Double>
    /// Bounds of the latency added to each network answer or journal append, in milliseconds.
    public var addedLatencyMs: ClosedRange<Double>
    /// Bounds of a clock skew, in seconds (positive: the endpoint's clock is ahead).
    public var skewSeconds: ClosedRange<Double>
    /// Bounds of how long a crashed service stays down before its restart (`service_crash`).
    public var restartAfter: ClosedRange<Duration>
    /// Share of seeds that switch this fault on (1: always).
    public var enabledProbability: Double

    public init(
        kind: Kind, target: Target = .all, start: Duration = .zero, duration: Duration? = nil,
        rate: ClosedRange<Double> = 0...0, addedLatencyMs: ClosedRange<Double> = 0...0,
        skewSeconds: ClosedRange<Double> = 0...0,
        restartAfter: ClosedRange<Duration> = FaultSpec.restartAfterDefault...FaultSpec.restartAfterDefault,
        enabledProbability: Double = 1
    ) {
        self.restartAfter = restartAfter
        self.kind = kind
        self.target = target
        self.start = start
        self.duration = duration
        self.rate = rate
        self.addedLatencyMs = addedLatencyMs
        self.skewSeconds = skewSeconds
        self.enabledProbability = enabledProbability
    }
}
