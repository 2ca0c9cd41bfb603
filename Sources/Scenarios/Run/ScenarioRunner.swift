import Core
import Journal
import Ledger
import PaystormRuntime
import Services

/// How a scenario's time passes.
public enum RunMode: String, Sendable, CaseIterable {
    /// Arrivals paced on the wall clock, on all cores (the concurrent runtime).
    case realtime
    /// Virtual time, as fast as the machine allows, one seed one result (the deterministic runtime).
    case simulated
}

/// Runs a scenario: an open-model generator (arrivals at their intended times, whatever the
/// system does) drives journeys against a `PaymentSystem`, then every invariant is checked and
/// the report is built.
public enum ScenarioRunner {
    /// - Parameters:
    ///   - journal: where the run journals every transition, booking and answer before
    ///     acknowledging it; nil journals nothing. The caller opens and closes it.
    ///   - trace: records the run's ordered event trace (`EventTrace`); nil records nothing.
    ///   - resume: rebuild the system from `journal` (`PaymentSystem.recovering`, the path a
    ///     crash fault takes) and go on appending to it, instead of starting an empty system.
    ///   - acknowledgements: where clients note every successful answer they received.
    ///   - journalKey: 32 bytes: the card fields the journal keeps are sealed with AES-GCM under
    ///     it (and opened with it when resuming). Nil: no card fields are journaled.
    ///   - snapshotEvery: write a recovery snapshot of the journal every this many records
    ///     (`JournalCheckpointer`); nil writes none. Ignored without a journal.
    ///   - balanceTransactions: where every balance transaction of the run goes as it is made
    ///     (an export); nil derives none.
    ///   - plantedBug: the bug a mutation test plants in the services (nil in every real run).
    /// - Throws: `RecoveryError.noJournal` when `resume` is set without a journal; what
    ///   recovery throws.
    public static func run(
        _ scenario: Scenario, mode: RunMode, journal: (any Journal)? = nil, trace: EventTrace? = nil,
        resume: Bool = false, acknowledgements: AcknowledgementLog? = nil, journalKey: [UInt8]? = nil,
        snapshotEvery: Int? = nil, progress: (@Sendable (RunProgress) -> Void)? = nil,
        balanceTransactions: BalanceTransactionLog.Sink? = nil, plantedBug: PlantedBug? = nil
    ) async throws -> RunReport {
        if resume && journal == nil { throw RecoveryError.noJournal }
        let options = Options(
            resume: resume, acknowledgements: acknowledgements,
            journalCipher: try journalKey.map { key throws(JournalError) in
                try FieldCipher(key: key, domain: cipherDomain(seed: scenario.seed))
            }, snapshotEvery: snapshotEvery.map { max(1, $0) }, balanceTransactions: balanceTransactions,
            plantedBug: plantedBug)
        let stopwatch = Stopwatch()
        let cpuAtStart = ProcessCPU.seconds()
        /// Wall and CPU time of the run, read last.
        func finish(_ report: inout RunReport) {
            report.wallSeconds = stopwatch.elapsed.seconds
            report.cpu = cpuFigures(since: cpuAtStart, wallSeconds: report.wallSeconds)
        }
        switch mode {
        case .simulated:
            let runtime = DeterministicRuntime(seed: scenario.seed)
            var report = try EventTrace.$current.withValue(trace) {
                try runtime.run {
                    try await execute(
                        scenario, mode: mode, runtime: runtime, journal: journal, options: options,
                        progress: progress)
                }
            }
            report.generator.escapedJobs = runtime.escapedJobCount
            report.generator.jobsRun = runtime.statistics.jobsRun
            report.invariants.append(
                RunReport.InvariantResult(
                    .deterministicRunStaysOnItsExecutor, violations: runtime.escapedJobCount, examples: []))
            finish(&report)
            return report
        case .realtime:
            var report = try await EventTrace.$current.withValue(trace) {
                try await execute(
                    scenario, mode: mode, runtime: ConcurrentRuntime(seed: scenario.seed), journal: journal,
                    options: options, progress: progress)
            }
            finish(&report)
            return report
        }
    }

    /// How a run starts and what it records beside its report.
    struct Options: Sendable {
        var resume = false
        var acknowledgements: AcknowledgementLog?
        var journalCipher: FieldCipher?
        var snapshotEvery: Int?
        /// Where every balance transaction of the run goes (`--balance-transactions`).
        var balanceTransactions: BalanceTransactionLog.Sink?
        /// The bug a mutation test plants in the services (`paystorm swarm --plant-bug`).
        var plantedBug: PlantedBug?
    }

    /// The process's CPU time since `start` (user and system), and the cores it kept busy over
    /// `wallSeconds`; nil when the process's usage cannot be read.
    static func cpuFigures(
        since start: (user: Double, system: Double)?, wallSeconds: Double
    ) -> RunReport.CPUFigures? {
        guard let start, let end = ProcessCPU.seconds() else { return nil }
        let user = end.user - start.user
        let system = end.system - start.system
        return RunReport.CPUFigures(
            userSeconds: user, systemSeconds: system, cores: (user + system) / max(wallSeconds, 1e-9))
    }

    /// The GCM nonce domain a run's card fields are sealed under: from its seed, so that runs
    /// with other seeds journaling under one key do not share nonces (the counter is the
    /// payment id, unique within one journal and its resumes).
    static func cipherDomain(seed: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: seed ^ (seed >> 32))
    }

    /// A run in process, in its named parts: the run's assembly, its load (the generator and
    /// the tasks beside it), the liveness phase once the faults are healed, then the invariant
    /// checker and the report builder (`RunAssembly.finish`).
    static func execute(
        _ scenario: Scenario, mode: RunMode, runtime: any Runtime, journal: (any Journal)? = nil,
        options: Options = Options(), progress: (@Sendable (RunProgress) -> Void)?
    ) async throws -> RunReport {
        let run = try await RunAssembly.assemble(
            scenario, mode: mode, runtime: runtime, journal: journal, options: options)
        let scenario = run.scenario
        let onboardedBeforeLoad =
            scenario.merchants.onboarding == .beforeLoad && !options.resume
            ? await onboardEveryMerchant(
                scenario, journey: run.journey, planner: run.planner, metrics: run.metrics)
            : 0
        let start = runtime.now()
        run.metrics.loadStarted(atNanoseconds: start.nanoseconds)
        let serviceSchedule = ServiceCrashSchedule(
            crashes: run.serviceCrashes, host: run.host, runtime: runtime)
        let tasks = RunTasks.start(run, at: start, progress: progress)
        await tasks.loadSent()
        await serviceSchedule.finish()
        await run.schedule.heal()  // Safety phase over; journeys still in flight must now finish.
        run.live.markHealed()
        await LivenessPhase(
            live: run.live, metrics: run.metrics, host: run.host, runtime: runtime,
            bound: scenario.livenessTimeout
        ).run()
        // A restarted life repairs interrupted payments while it serves: no journey waits for a
        // payment its client never heard of, so the checks wait for the repair.
        await run.host.system.awaitCrashRepair()
        tasks.stop()
        return await run.finish(
            tasks: tasks, serviceSchedule: serviceSchedule, loadStart: start,
            onboardedBeforeLoad: onboardedBeforeLoad)
    }

    /// How often the run sweeps expired authorizations: a quarter of their validity, between a
    /// second and a minute of run time.
    static func expirySweepInterval(_ validity: Duration) -> Duration {
        min(max(validity / 4, .seconds(1)), .seconds(60))
    }

    /// The serving system's counters for the progress report: all behind locks, none awaited.
    static func readSystemFigures(_ system: PaymentSystem, into progress: inout RunProgress) {
        let events = system.events.snapshot
        progress.challenged = Int(events.byType[PaymentEventType.paymentIntentRequiresAction.rawValue] ?? 0)
        for life in system.events.dispatcherLives() {
            let statistics = life.statistics()
            progress.webhooksDelivered += Int(statistics.delivered)
            progress.webhookRetries += Int(statistics.retries)
            progress.webhooksDeadLettered += Int(statistics.deadLettered)
            progress.webhookBacklog += statistics.inFlight
        }
        progress.ledgerTransfers = Int(system.counters.ledgerTransfersApplied)
    }

    /// Concurrent onboarding clients of `onboardEveryMerchant`.
    static let onboardingClients = 256

    /// Onboards every merchant of the scenario before the first arrival (`onboarding:
    /// before_load`), from `onboardingClients` client tasks on the runtime, through the same
    /// client code and key ring the journeys use, so a journey finds its merchant's key ready.
    /// A merchant that cannot be onboarded is a violation, as it is for a journey.
    /// - Returns: the merchants onboarded.
    static func onboardEveryMerchant(
        _ scenario: Scenario, journey: Journey, planner: JourneyPlanner, metrics: RunMetrics
    ) async -> Int {
        let count = scenario.merchants.count
        let clients = min(onboardingClients, count)
        // Child tasks inherit the runtime's executor (a deterministic run stays deterministic).
        return await withTaskGroup(of: Int.self) { group in
            for client in 0..<clients {
                group.addTask {
                    var onboarded = 0
                    for index in stride(from: client + 1, through: count, by: clients) {
                        let merchant = MerchantID(UInt64(index))
                        let settlement = planner.settlementCurrency(of: merchant)
                        // Shed or not had, it is not onboarded (`try?` flattens both to nil).
                        let key = try? await journey.apiKey(
                            for: merchant, settlement: settlement, waitingForHeal: false)
                        if key != nil {
                            onboarded += 1
                        } else {
                            metrics.violation(
                                .merchantOnboarding, "\(merchant) could not be onboarded before the load")
                        }
                    }
                    return onboarded
                }
            }
            return await group.reduce(0, +)
        }
    }

    /// A run that crashed ends with a last recovery of the whole journal (both lives and every
    /// repair), whose invariants join the run's: nothing acknowledged missing, one payment per
    /// idempotency key, nothing captured twice, a ledger that reconciles.
    static func checkJournalAfterCrashes(
        _ journal: any Journal, cipher: FieldCipher?, ledgerConfiguration: LedgerConfiguration,
        host: SystemHost, report: inout RunReport
    ) async {
        do {
            let recovered = try await PaymentSystemRecovery.recover(
                from: journal, ledgerConfiguration: ledgerConfiguration, cipher: cipher)
            for invariant in recovered.report.invariants where !invariant.holds {
                for example in invariant.examples { host.recoveryViolation(invariant.name, example) }
            }
            // Once the last life's dispatcher is idle, no event any life emitted is still owed:
            // those the dead lives left undelivered were delivered again.
            if report.webhooks.pending == 0, let first = recovered.pendingWebhooks.first {
                host.violation(
                    .webhooksOwedAfterRecoveryDelivered,
                    "\(recovered.pendingWebhooks.count) events never settled, e.g. \(first.eventID) \(first.type)"
                )
            }
        } catch {
            host.violation(.recoverySucceeds, "final recovery of the whole journal: \(error)")
        }
        let (figures, invariants) = host.report()
        report.recovery = figures
        report.invariants += invariants
    }

    /// Records a journal that a journal fault creates holds at most: a long run then fails its
    /// appends with a typed error (`JournalError.full`) instead of exhausting memory.
    static let faultJournalRecordsMax = 20_000_000

    static func faultJournal() -> any Journal {
        InMemoryJournal(configuration: InMemoryJournal.Configuration(recordsMax: faultJournalRecordsMax))
    }

    static func systemConfiguration(
        _ scenario: Scenario, journal: any PaymentJournal = NullPaymentJournal()
    ) -> PaymentSystemConfiguration {
        var configuration = PaymentSystemConfiguration()
        // Client retries in a scenario come within seconds; keeping keys 24 hours would make a
        // long run's memory grow with its length (at 2,000 TPS, ~350 million keys a day). Two
        // minutes of virtual time covers every retry the journeys make.
        configuration.idempotencyRetention = .seconds(120)
        // The same reasoning for the other memories of the run: sized for the payments a
        // scenario has in flight (seconds to minutes of traffic), not for a day of them, so that
        // they fill early and memory stays flat however long the run.
        configuration.fraudCardsPerShardMax = 25_000
        configuration.webhooks.seenEventsPerEndpointMax = 10_000
        // Every merchant of the scenario may be onboarded: the dispatcher's endpoint table (and
        // the gateway's key store) must hold them all, or onboarding fails part-way through.
        configuration.webhooks.endpointsMax = max(
            configuration.webhooks.endpointsMax, scenario.merchants.count)
        configuration.journal = journal
        if let validity = scenario.authorizationValidity { configuration.authorizationValidity = validity }
        configuration.fees = scenario.fees
        configuration.admission = scenario.admission
        // A run keeps none for queries (an export streams them): memory follows the payments in
        // flight, not the run's length.
        configuration.balanceTransactionsRetainedMax = 0
        let minuteAtPeak = scenario.load.peakTPS * 60
        for network in scenario.networks {
            configuration.networks[network.name] = NetworkBehaviour(
                latencyMedian: .nanoseconds(Int64(network.latency.medianMilliseconds * 1_000_000)),
                latencySigma: network.latency.sigma, declineRate: network.declineRate,
                timeoutRate: network.timeoutRate, authorizationsMax: 50_000,
                settlementLinesPerDayMax: settlementLines(
                    minuteAtPeak * scenario.mix.cardShare * network.share))
        }
        var bankRail = NetworkBehaviour.standard(for: .bankRail)
        bankRail.authorizationsMax = 50_000
        bankRail.settlementLinesPerDayMax = settlementLines(minuteAtPeak * (1 - scenario.mix.cardShare))
        configuration.networks[.bankRail] = bankRail
        let endpoint = scenario.merchants.webhookEndpoint
        configuration.webhooks.failureProbability = endpoint.failureRate
        configuration.webhooks.latencyMedian = .nanoseconds(
            Int64(endpoint.latency.medianMilliseconds * 1_000_000))
        return configuration
    }
}

extension ScenarioRunner {
    /// The lines a network's settlement file keeps per day (and the payment system's book of
    /// the same movements): about a minute of that network's peak traffic. The day's file is
    /// then full within the run's first minute, so it costs the same memory after one minute
    /// as after a day, and a full day is compared by its totals (`SettlementReconciliation`).
    static func settlementLines(_ paymentsPerMinute: Double) -> Int {
        max(1_000, min(50_000, Int(paymentsPerMinute)))
    }
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

extension ScenarioRunner {
    /// A second's progress report from the client's own counters, the same for a run in
    /// process and over the wire; what the system itself counts is added by the caller.
    static func progress(
        _ snapshot: RunMetrics.ProgressSnapshot, elapsed: Duration, scenario: Scenario
    ) -> RunProgress {
        var progress = RunProgress(
            elapsed: elapsed,
            targetTPS: scenario.load.rate(atNanoseconds: elapsed.nanoseconds),
            attempted: snapshot.attempted, answered: snapshot.answered,
            inFlight: snapshot.inFlight,
            declined: snapshot.declined, rateLimited: snapshot.rateLimited,
            p99Milliseconds: snapshot.latency.milliseconds(atPercentile: 99),
            intervalAuthorizations: snapshot.intervalAuthorizations,
            intervalP50Milliseconds: snapshot.interval.milliseconds(atPercentile: 50),
            intervalP90Milliseconds: snapshot.interval.milliseconds(atPercentile: 90),
            intervalP99Milliseconds: snapshot.interval.milliseconds(atPercentile: 99),
            violations: snapshot.violations)
        progress.counts = snapshot.counts
        progress.declinesByCode = snapshot.declines
        progress.droppedArrivals = snapshot.droppedArrivals
        progress.waiting = snapshot.waiting
        return progress
    }
}
