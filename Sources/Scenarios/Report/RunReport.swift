import Services

/// Everything a run found out, in one value: printed as the summary, written as JSON, and
/// compared by the thresholds. Keys are snake_case in JSON.
public struct RunReport: Sendable, Codable, Equatable {
    public var scenario: String
    public var seed: UInt64
    /// "simulated" or "realtime".
    public var mode: String
    public var durationSeconds: Double
    /// Wall-clock seconds the run took (in simulated mode: how long the machine needed).
    public var wallSeconds: Double
    public var payments: PaymentCounts
    public var tps: Throughput
    public var latencyMilliseconds: LatencySummary
    /// Delay between an arrival's intended time and its dispatch: the generator's own lag.
    public var dispatchDelayMilliseconds: LatencySummary
    public var declines: [String: Int]
    public var fraud: FraudFigures
    public var webhooks: WebhookFigures
    public var settlement: [CurrencyAmount]
    public var ledger: [LedgerCurrencyFigures]
    public var invariants: [InvariantResult]
    public var thresholds: [ThresholdResult]
    public var generator: GeneratorFigures
    public var digest: String
    /// Crashes and recoveries during the run; nil when the scenario plans no crash.
    public var recovery: RecoveryFigures? = nil
    /// The process's resident memory over the run (not part of the digest: it depends on the
    /// machine and the allocator); nil where it cannot be read.
    public var memory: MemoryFigures? = nil
    /// CPU seconds the process used during the run, every thread (not part of the digest);
    /// nil where it cannot be read.
    public var cpu: CPUFigures? = nil
    /// What the run resumed from (`paystorm run --resume`): the journal's records replayed and
    /// the payments rebuilt before the load started. Nil for a fresh run.
    public var resumedFrom: RecoveryFigures? = nil
    /// What the journal checkpointer wrote (`--snapshot-every`); nil without snapshots. Not
    /// part of the digest: snapshots must not change a run's outcome.
    public var snapshots: SnapshotFigures? = nil
    /// What the journal faults and the liveness phase did (present when the run journaled or
    /// a client met an unknown outcome).
    public var chaos: ChaosFigures? = nil
    /// Services crashed and restarted during the run (`service_crash`); nil when the
    /// seed switched none on.
    public var serviceRestarts: ServiceRestartFigures? = nil
    /// Each stage of the load: the arrivals due in it and the answers given, the verdict's
    /// evidence that the system kept up (or where it did not).
    public var stages: [StageFigures] = []
    /// A run over the wire (`--target`): what it counted and what it could not check.
    public var wire: WireReport? = nil
    /// Each read kind of the scenario's `reads:`, when it has any (in process or over the wire).
    public var reads: [ReadFigures]? = nil
    /// When each fault of the seed was on, from the load's start (not part of the digest).
    public var faultWindows: [FaultWindow] = []
    /// What the gateway's load shedder admitted and shed (the last life's, after crashes).
    public var admission: AdmissionFigures? = nil

    public var invariantsHold: Bool { invariants.allSatisfy(\.holds) }
    public var thresholdsPass: Bool { thresholds.allSatisfy(\.passed) }

    // The JSON keys stay `latency_ms` and `dispatch_delay_ms`: readers of earlier reports (the
    // Python suites, dashboards) key on them.
    enum CodingKeys: String, CodingKey {
        case scenario, seed, mode, durationSeconds, wallSeconds, payments, tps
        case latencyMilliseconds = "latencyMs"
        case dispatchDelayMilliseconds = "dispatchDelayMs"
        case declines, fraud, webhooks, settlement, ledger, invariants, thresholds, generator, digest
        case recovery, memory, cpu, resumedFrom, snapshots, chaos, serviceRestarts, stages, wire, reads
        case faultWindows, admission
    }

    public struct PaymentCounts: Sendable, Codable, Equatable {
        public var attempted = 0
        public var succeeded = 0
        public var authorizedOnly = 0
        public var declined = 0
        public var blocked = 0
        public var abandoned3DS = 0
        public var voided = 0
        public var expired = 0
        public var refundedFull = 0
        public var refundedPartial = 0
        public var disputed = 0
        public var timeoutsResolved = 0
        /// Requests still refused with 429 after the client's retries.
        public var rateLimited = 0
        /// Charges refused for their amount (`amount_too_small`, `amount_too_large`): Stripe's
        /// limits, an answer the merchant acts on, not an error of the system.
        public var amountRefused = 0
        public var errors = 0
        public var idempotentReplays = 0
        /// Requests still refused with 409 (the key's first request still running) after the
        /// client's retries.
        public var keyInUse = 0
        /// Requests clients sent again after a 409, 429 or 5xx, as Stripe's SDKs do.
        public var clientRetries = 0
        public init() {}

        // Spelled out so that the JSON reads `abandoned_3ds`: snake-casing `abandoned3DS`
        // would give `abandoned3_ds`.
        enum CodingKeys: String, CodingKey {
            case attempted, succeeded, authorizedOnly, declined, blocked
            case abandoned3DS = "abandoned_3ds"
            case voided, expired, refundedFull, refundedPartial, disputed, timeoutsResolved, rateLimited
            case errors, idempotentReplays, keyInUse, clientRetries, amountRefused
        }

        /// Adds every count of `other` (counts from several journeys or runs).
        public mutating func add(_ other: PaymentCounts) {
            attempted += other.attempted
            succeeded += other.succeeded
            authorizedOnly += other.authorizedOnly
            declined += other.declined
            blocked += other.blocked
            abandoned3DS += other.abandoned3DS
            voided += other.voided
            expired += other.expired
            refundedFull += other.refundedFull
            refundedPartial += other.refundedPartial
            disputed += other.disputed
            timeoutsResolved += other.timeoutsResolved
            rateLimited += other.rateLimited
            amountRefused += other.amountRefused
            errors += other.errors
            idempotentReplays += other.idempotentReplays
            keyInUse += other.keyInUse
            clientRetries += other.clientRetries
        }
    }

    public struct Throughput: Sendable, Codable, Equatable {
        public var targetAverage: Double
        public var targetPeak: Double
        public var achievedAverage: Double
        /// Achieved rate during the busiest stage, against its target.
        public var achievedPeak: Double
        public var achievedToTargetRatio: Double
        /// During the peak stage: answers given over arrivals due (1.0 = the system kept up).
        public var peakAnsweredToDueRatio: Double
    }

    public struct FraudFigures: Sendable, Codable, Equatable {
        public var blocked = 0
        public var challenged = 0
        public var challengesPassed = 0
        public var reviewed = 0
        public var precision = 0.0
        public var recall = 0.0
        public init() {}
    }

    public struct WebhookFigures: Sendable, Codable, Equatable {
        public var events = 0
        public var delivered = 0
        public var retried = 0
        public var deadLettered = 0
        public var pending = 0
        public var duplicatesIgnored = 0
        public init() {}
    }

    public struct CurrencyAmount: Sendable, Codable, Equatable {
        public var currency: String
        /// Decimal text in major units, e.g. "1234.56": exact, never a float.
        public var amount: String
        public var payouts: Int
    }

    public struct LedgerCurrencyFigures: Sendable, Codable, Equatable {
        public var currency: String
        public var debits: String
        public var credits: String
        public var imbalance: String
        public var transfers: Int
    }

    public struct InvariantResult: Sendable, Codable, Equatable {
        public var name: String
        public var holds: Bool
        public var violations: Int
        /// The first violations, with the ids involved.
        public var examples: [String]
    }

    public struct ThresholdResult: Sendable, Codable, Equatable {
        public var metric: String
        public var condition: String
        /// The run's figure; nil when the run has none (then `passed` is false).
        public var value: Double?
        public var passed: Bool

        public init(metric: String, condition: String, value: Double?, passed: Bool) {
            self.metric = metric
            self.condition = condition
            self.value = value
            self.passed = passed
        }

        private enum CodingKeys: String, CodingKey { case metric, condition, value, passed }

        /// A missing figure is written as `"value": null`, not left out: a reader sees that
        /// the threshold was checked and had nothing to check.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(metric, forKey: .metric)
            try container.encode(condition, forKey: .condition)
            try container.encode(value, forKey: .value)
            try container.encode(passed, forKey: .passed)
        }
    }

    /// The recovery snapshots a run's checkpointer wrote.
    public struct SnapshotFigures: Sendable, Codable, Equatable {
        /// Records between snapshots.
        public var every: Int
        public var written: Int
        /// The journal position the last snapshot covers (0: none written).
        public var lastPosition: UInt64
        public var lastBytes: Int
        public var largestBytes: Int
        /// Catch-ups that failed (checkpointing then stops; recovery uses the last snapshot).
        public var failures: Int
        public var lastFailure: String?
    }

    /// What the crashes of a run cost and what recovery did (`crash` faults).
    public struct RecoveryFigures: Sendable, Codable, Equatable {
        public var crashes = 0
        /// Answers the clients never got (the system died first); each was sent again.
        public var answersLost = 0
        /// Records read after the snapshot recovery started from (all of them without one).
        public var recordsReplayed = 0
        /// The journal position of that snapshot; nil when recovery started from the first record.
        public var snapshotPosition: UInt64? = nil
        public var paymentsRecovered = 0
        public var transfersRolledForward = 0
        /// Idempotency keys whose work had begun without a durable answer (a retry resumes it).
        public var keysResumable = 0
        /// Webhook events owed by a dead life (emitted, never settled), delivered again.
        public var webhooksRedelivered = 0
        /// Payments a dead life left between create and answer that crash repair settled.
        public var paymentsRepaired = 0
        /// The longest time, on the run's clock, from a restart's start (the crash's downtime
        /// over) to the system serving again (journal read, state rebuilt, crash repair done),
        /// and to the first successful answer a client got from the new life.
        public var restartToServingMsMax = 0.0
        public var restartToFirstAnswerMsMax = 0.0
        public init() {}
    }

    /// What the crashes of services cost and what their restarts rebuilt.
    public struct ServiceRestartFigures: Sendable, Codable, Equatable {
        public var crashes = 0
        public var restarts = 0
        /// Restarts not carried out because the whole process had crashed meanwhile (its next
        /// life started with a dispatcher of its own).
        public var restartsMoot = 0
        /// Deliveries the dead dispatchers dropped (in flight at the crash, or handed to them
        /// after it).
        public var deliveriesAbandoned = 0
        /// Events emitted while the dispatcher was down, left to the journal.
        public var eventsLeftToJournal = 0
        /// Events the journal showed owed at the restarts (emitted, never settled).
        public var owedInJournal = 0
        /// Events handed to the restarted dispatchers (the others were in flight there already).
        public var handedOver = 0
        public init() {}
    }

    /// Failed journal syncs and what they cost the clients; unknown outcomes and their final reads.
    public struct ChaosFigures: Sendable, Codable, Equatable {
        /// Appends the journal failed (`journal_failing_sync`).
        public var journalAppendsFailed = 0
        /// Transitions undone in memory because the journal refused them.
        public var transitionsUndone = 0
        /// Requests clients sent again after a retryable refusal (503 `journal_unavailable`).
        public var refusalsRetried = 0
        /// Outcomes the clients did not know (no answer, 5xx), resolved by a final read after
        /// the heal.
        public var unknownOutcomesResolved = 0
        /// Journeys still in flight when the liveness bound ran out (each also a violation
        /// unless it was waiting for its plan's next step).
        public var journeysPastLivenessBound = 0
        public init() {}
    }

    /// One stage of the load profile (a ramp or a hold).
    public struct StageFigures: Sendable, Codable, Equatable {
        /// 1-based, in the scenario's order.
        public var stage: Int
        public var startSeconds: Double
        public var endSeconds: Double
        /// The stage's mean target rate.
        public var targetTPS: Double
        /// Arrivals the load profile made due in the stage.
        public var due: Int
        /// Arrivals of the stage answered within the answer deadline of their intended time (the
        /// scenario's authorization p99 objective, else 10 s), with an answer of any kind:
        /// success, decline, refusal.
        public var answered: Int
        public var answeredToDueRatio: Double
        /// Whether the stage is judged: a realtime run's stage (a simulated run's only when its
        /// scenario names the check) with enough arrivals for its ratio to mean something
        /// (`minimumDueJudged`): below that, one slow answer moves it by percents.
        public var judged: Bool

        public static let minimumDueJudged = 200
    }

    /// The lowest answered-to-due ratio of the judged stages and the stage it belongs to; 1
    /// when no stage had enough arrivals to judge.
    public var lowestStage: (stage: Int?, ratio: Double) {
        let judged = stages.filter(\.judged)
        guard let lowest = judged.min(by: { $0.answeredToDueRatio < $1.answeredToDueRatio }) else {
            return (nil, 1)
        }
        return (lowest.stage, lowest.answeredToDueRatio)
    }

    /// The stage where the run could not keep up, when its saturation check failed.
    public var saturatedStage: StageFigures? {
        guard
            thresholds.contains(where: { $0.metric == Metric.stageAnsweredToDueRatio.rawValue && !$0.passed }
            ),
            let stage = lowestStage.stage
        else { return nil }
        return stages.first { $0.stage == stage }
    }

    public struct GeneratorFigures: Sendable, Codable, Equatable {
        /// Arrivals dropped because `max_in_flight` journeys were in flight (never sent; they
        /// count against their stage as unanswered).
        public var droppedArrivals = 0
        /// The bound on journeys in flight: the scenario's or the flag's, else derived from the
        /// memory budget (`maxInFlightSource` says which).
        public var maxInFlight: Int? = nil
        /// "scenario" (the file or `--max-in-flight`) or "memory_budget".
        public var maxInFlightSource: String? = nil
        /// The memory budget and the measured costs of one journey the default came from: one
        /// that sends, one waiting for its next step.
        public var memoryBudgetMB: Int? = nil
        public var journeyBytesEstimate: Int? = nil
        public var waitingJourneyBytesEstimate: Int? = nil

        public static let memoryBudgetSource = "memory_budget"

        /// How many journeys waiting for their next step count as one against the bound: the
        /// default bound's ratio of the two estimates; nil for a bound the scenario set (every
        /// journey counts as one).
        public var waitingJourneysPerJourney: Int? {
            guard maxInFlightSource == Self.memoryBudgetSource, let sending = journeyBytesEstimate,
                let waiting = waitingJourneyBytesEstimate
            else { return nil }
            return sending / max(1, waiting)
        }

        /// True when the generator could not dispatch on time and the run under-sent.
        public var fellBehind: Bool
        public var lateDispatches: Int
        public var escapedJobs: Int
        /// Jobs the deterministic executor ran (simulated mode; 0 in realtime): the cost
        /// model of a simulated run, read against payments to see what one payment costs.
        public var jobsRun: UInt64 = 0
        /// Merchants onboarded before the first arrival (`onboarding: before_load`; else 0).
        public var merchantsOnboardedBeforeLoad = 0
    }

    /// Resident memory of the process during the run, in MiB.
    public struct MemoryFigures: Sendable, Codable, Equatable {
        /// After the first minute of the run's time: the baseline a long run is compared with.
        public var residentMBAfterFirstMinute: Double?
        /// When the load ended and every journey had finished, before the final settlement.
        public var residentMBAtEnd: Double
        /// The largest reading: once a second of the run's time, and at its end.
        public var residentMBMax: Double
        /// One sample a minute of the run's time (thinned to at most 512 on long runs).
        public var samples: [MemorySample]
    }

    public struct CPUFigures: Sendable, Codable, Equatable {
        public var userSeconds: Double
        public var systemSeconds: Double
        /// (user + system) over the run's wall seconds: 1 is one core busy all the time.
        public var cores: Double
    }

    /// The gateway's admission control over the run.
    public struct AdmissionFigures: Sendable, Codable, Equatable {
        public var inFlightMax: Int
        public var merchantInFlightMax: Int
        public var queueTimeBudgetMilliseconds: Double
        public var admitted: Int64
        /// Requests answered 429 by the shedder (each one a client may retry after `Retry-After`).
        public var shed: Int64
        public var shedMerchantLimit: Int64
        public var shedQueueFull: Int64
        public var shedQueueTimeout: Int64
        public var admittedAfterQueueing: Int64
        public var inFlightPeak: Int
        public var queueLengthPeak: Int
        /// Payment creates the gateway admitted, from their last attempt's sending to its
        /// answer: the system's own latency, without the clients' waits after a 429.
        public var admittedCreateLatencyMilliseconds: LatencySummary

        // The JSON keys keep their earlier spelling (`queue_time_budget_ms`...).
        enum CodingKeys: String, CodingKey {
            case inFlightMax, merchantInFlightMax
            case queueTimeBudgetMilliseconds = "queueTimeBudgetMs"
            case admitted, shed, shedMerchantLimit, shedQueueFull, shedQueueTimeout, admittedAfterQueueing
            case inFlightPeak, queueLengthPeak
            case admittedCreateLatencyMilliseconds = "admittedCreateLatencyMs"
        }

        public init(
            configuration: AdmissionStateMachine.Configuration, counts: AdmissionStateMachine.Counts,
            admittedCreateLatencyMilliseconds: LatencySummary
        ) {
            inFlightMax = configuration.inFlightMax
            merchantInFlightMax = configuration.merchantInFlightMax
            queueTimeBudgetMilliseconds = Double(configuration.queueTimeBudget.nanoseconds) / 1e6
            admitted = counts.admitted
            shed = counts.shed
            shedMerchantLimit = counts.shedMerchantLimit
            shedQueueFull = counts.shedQueueFull
            shedQueueTimeout = counts.shedQueueTimeout
            admittedAfterQueueing = counts.admittedAfterQueueing
            inFlightPeak = counts.inFlightPeak
            queueLengthPeak = counts.queueLengthPeak
            self.admittedCreateLatencyMilliseconds = admittedCreateLatencyMilliseconds
        }
    }

    public struct MemorySample: Sendable, Codable, Equatable {
        public var minute: Int
        public var residentMB: Double
    }
}
