import Core
import Journal
import Ledger

/// The knobs of a `PaymentSystem`: sizes, fees and timings. Defaults follow Stripe's published
/// behaviour where it has one (its fee schedule per currency, 7-day authorization validity).
public struct PaymentSystemConfiguration: Sendable {
    public var paymentShards = 16
    public var ledgerShards = 8
    public var fraudShards = 8
    /// Processing fee on captures and dispute fee, per settlement currency (Stripe's published
    /// pricing by default; see `FeeSchedule`).
    public var fees: FeeSchedule = .stripe
    /// Uncaptured authorizations are cancelled after this long.
    public var authorizationValidity: Duration = .seconds(7 * 24 * 3_600)
    /// How long after a network timeout the orchestrator asks the network what happened.
    public var inquiryDelay: Duration = .seconds(2)
    /// Inquiries before a still-unknown authorization is reversed.
    public var inquiriesMax = 3
    /// Interrupted payments crash repair settles at once after a restart, at most (each may
    /// wait out `inquiriesMax` inquiry delays).
    public var crashRepairConcurrencyMax = 256
    /// Behaviour per card network; missing ones use `NetworkBehaviour.standard(for:)`.
    public var networks: [PaymentNetwork: NetworkBehaviour] = [:]
    /// How long a completed idempotency key is kept (Stripe: at least 24 hours), and how many
    /// keys each of the `paymentShards` idempotency stores holds at most.
    public var idempotencyRetention: Duration = .seconds(86_400)
    public var idempotencyKeysPerShardMax = 1_000_000
    /// Answers each idempotency store keeps to replay, at most (the newest): an older answer's
    /// key is kept as a digest for its retention, and its retry is refused (409
    /// `idempotency_answer_dropped`) rather than run twice. The default bounds a run's memory
    /// under overload (a few seconds to a minute of answers, what a client's retries need); a
    /// Stripe double, whose clients expect the first answer replayed for 24 hours, keeps many
    /// more (`paystorm serve --idempotency-answers-max`).
    public var idempotencyAnswersPerShardMax = IdempotencyStateMachine.Configuration.answersMaxDefault
    /// Card profiles each fraud-engine shard remembers (least recently used forgotten first).
    public var fraudCardsPerShardMax = 100_000
    /// Whether payments are screened by the fraud engine at all (a Stripe test-mode double
    /// screens none: its test cards decline as scripted, and one test card used a thousand times
    /// is no velocity attack).
    public var fraudScreening = true
    /// The bug a mutation test plants in the services (nil in every real run): given to the
    /// system by whoever builds it, so that the services read a value they were handed rather
    /// than a task-local on every payment.
    public var plantedBug: PlantedBug?
    /// Where fraud scores turn into approve, review, 3-D Secure and block (30, 70, 90).
    public var fraudThresholds: FraudThresholds = .standard
    /// How simulated customers meet a 3-D Secure challenge.
    public var threeDSecure = ThreeDSecureChallenge.Configuration()
    /// Balance transactions kept for `PaymentSystem.balanceTransactions(merchant:...)`, over
    /// all merchants (the oldest forgotten first); 0 keeps none.
    public var balanceTransactionsRetainedMax = 100_000
    /// Where every balance transaction goes as it is made (an export streaming to a file);
    /// nil: nowhere. With neither a sink nor retention, none is derived at all.
    public var balanceTransactionSink: BalanceTransactionLog.Sink?
    /// Unix time at the runtime's zero: what balance transactions and events print as
    /// `created`. Fixed by default, so that a seed reproduces them; a server on the wall clock
    /// sets it to its start.
    public var unixClock: UnixClock = .standard
    /// Webhook delivery to simulated merchant endpoints.
    public var webhooks = WebhookSettings()
    /// Where every transition, booking, onboarding and API answer is made durable before it is
    /// acknowledged (see `PaymentJournal`): a `DurablePaymentJournal` over a `Journal` (the
    /// ledger journals its transfers there too), whose cipher seals the card-related fields
    /// (`JournaledCardFields`) with AES-GCM under the run's key. By default the null port:
    /// nothing is journaled (the fastest, purely in-memory run).
    public var journal: any PaymentJournal = NullPaymentJournal()
    /// Told of every event as it is emitted (after its transition is durable), in order per
    /// payment: what an HTTP server lists as `/v1/events` and delivers to real endpoints. Called
    /// under no lock of the system's; it must not block.
    public var eventObserver: (@Sendable (PaymentEventSink.EmittedEvent) -> Void)?
    /// Told of the ledger transfers of every booking once the ledger applied them, with the
    /// payment they are for: what an HTTP server's dashboard lists as a payment's ledger
    /// entries. Called on the booking's task under no lock of the system's; it must not block.
    public var bookingObserver: (@Sendable (PaymentID, [Transfer]) -> Void)?
    /// Told of every card network's answer to an authorization, with the time it took on the
    /// runtime's clock: what an HTTP server's dashboard shows in a payment's timeline (the
    /// events say what the payment became, not what the network said or how fast). `nil`
    /// result: the network refused the request outright (an outage). Called on the
    /// authorization's task under no lock of the system's; it must not block.
    public var authorizationObserver: (@Sendable (PaymentID, NetworkAuthorizationResult?, Duration) -> Void)?
    /// Unix seconds at the runtime's zero, for the `created` of balance transactions. A run's
    /// clock starts at 2026-01-01; an HTTP server's at the wall-clock time it started, so that
    /// its balance transactions fall on the days its payments were made.
    public var balanceTransactionClock = UnixClock.standard

    /// Each merchant's token bucket at the gateway: `burst` requests at once, refilled at
    /// `perSecond` (Stripe allows about 100 operations per second per account).
    public var rateLimit = RateLimitSettings()

    /// The gateway's load shedder: requests running at once in total and per merchant, and how
    /// long a request waits for a slot before a 429 (see `AdmissionStateMachine`).
    public var admission: AdmissionStateMachine.Configuration = .standard

    public struct RateLimitSettings: Sendable {
        public var burst: Int64 = 200
        public var perSecond: Int64 = 100
        public init(burst: Int64 = 200, perSecond: Int64 = 100) {
            self.burst = burst
            self.perSecond = perSecond
        }
    }

    public struct WebhookSettings: Sendable {
        public var enabled = true
        /// Simulated endpoints shared by the merchants (each merchant keeps its own secret).
        public var endpoints = 64
        public var failureProbability = 0.01
        public var latencyMedian: Duration = .milliseconds(80)
        /// Event ids each simulated endpoint remembers for de-duplication.
        public var seenEventsPerEndpointMax = 100_000
        /// Merchants the dispatcher holds an endpoint for: onboarding past it is refused.
        public var endpointsMax = 100_000
        /// The dispatcher may be crashed and restarted during the run (`service_crash`): it
        /// keeps each delivery's task, to stop it, and the event sink keeps the creation events
        /// the journal cannot show yet. Needs a journal to restart from.
        public var restartable = false
        public init() {}
    }

    public init() {}

    /// The behaviour of `network`: the configured one or the standard.
    func behaviour(of network: PaymentNetwork) -> NetworkBehaviour {
        networks[network] ?? .standard(for: network)
    }

    func validate() throws(PaymentServiceError) {
        func check(_ condition: Bool, _ reason: String) throws(PaymentServiceError) {
            if !condition { throw .invalidRequest("configuration: \(reason)") }
        }
        try check((1...4_096).contains(paymentShards), "paymentShards not in 1...4096")
        try check((1...4_096).contains(ledgerShards), "ledgerShards not in 1...4096")
        try check((1...1_024).contains(fraudShards), "fraudShards not in 1...1024")
        if let violation = fees.violation { try check(false, violation) }
        try check(inquiriesMax >= 1, "inquiriesMax must be at least 1")
        try check(idempotencyAnswersPerShardMax >= 1, "idempotencyAnswersPerShardMax must be at least 1")
        try check(
            (1...65_536).contains(crashRepairConcurrencyMax), "crashRepairConcurrencyMax not in 1...65536")
        try check((1...100_000).contains(webhooks.endpoints), "webhooks.endpoints not in 1...100000")
        do throws(GatewayError) {
            try admission.validate()
        } catch {
            try check(false, error.description)
        }
    }
}
