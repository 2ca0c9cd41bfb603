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

/// A live view of a run, for the progress line.
public struct RunProgress: Sendable {
    public var elapsed: Duration = .zero
    public var targetTPS = 0.0
    /// Arrivals dispatched so far.
    public var attempted = 0
    /// Arrivals that got a first answer so far (any answer: success, decline, refusal).
    public var answered = 0
    public var inFlight = 0
    public var declined = 0
    public var rateLimited = 0
    /// Authorization latency p99 over the whole run so far.
    public var p99Milliseconds = 0.0
    /// Authorizations since the previous report (one second of run time) and their latency.
    public var intervalAuthorizations = 0
    public var intervalP50Milliseconds = 0.0
    public var intervalP90Milliseconds = 0.0
    public var intervalP99Milliseconds = 0.0
    public var violations = 0
    /// Journeys ended so far, by outcome (a journey counts when it ends, not when it was
    /// answered first).
    public var counts = RunReport.PaymentCounts()
    /// Journeys ended so far with a decline, by Stripe's decline code.
    public var declinesByCode: [String: Int] = [:]
    /// Arrivals dropped at the run's in-flight bound so far (shed: never sent).
    public var droppedArrivals = 0
    /// Payments the fraud engine stepped up to 3-D Secure (`requires_action` events), webhook
    /// figures and ledger transfers: the serving system's own counters, which start again
    /// from zero when a crash fault restarts it.
    public var challenged = 0
    public var webhooksDelivered = 0
    public var webhookRetries = 0
    public var webhooksDeadLettered = 0
    /// Webhook deliveries handed to the dispatcher and not yet settled (queued or retrying).
    public var webhookBacklog = 0
    public var ledgerTransfers = 0
    /// The faults on at this instant (`FaultWindow.name`).
    public var faultsActive: [String] = []

    public init() {}

    init(
        elapsed: Duration, targetTPS: Double, attempted: Int, answered: Int, inFlight: Int, declined: Int,
        rateLimited: Int, p99Milliseconds: Double, intervalAuthorizations: Int,
        intervalP50Milliseconds: Double,
        intervalP90Milliseconds: Double, intervalP99Milliseconds: Double, violations: Int
    ) {
        self.elapsed = elapsed
        self.targetTPS = targetTPS
        self.attempted = attempted
        self.answered = answered
        self.inFlight = inFlight
        self.declined = declined
        self.rateLimited = rateLimited
        self.p99Milliseconds = p99Milliseconds
        self.intervalAuthorizations = intervalAuthorizations
        self.intervalP50Milliseconds = intervalP50Milliseconds
        self.intervalP90Milliseconds = intervalP90Milliseconds
        self.intervalP99Milliseconds = intervalP99Milliseconds
        self.violations = violations
    }
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
    /// - Throws: `RecoveryError.noJournal` when `resume` is set without a journal; what
    ///   recovery throws.
    public static func run(
        _ scenario: Scenario, mode: RunMode, journal: (any Journal)? = nil, trace: EventTrace? = nil,
        resume: Bool = false, acknowledgements: AcknowledgementLog? = nil, journalKey: [UInt8]? = nil,
        snapshotEvery: Int? = nil, progress: (@Sendable (RunProgress) -> Void)? = nil,
        balanceTransactions: BalanceTransactionLog.Sink? = nil
    ) async throws -> RunReport {
        if resume && journal == nil { throw RecoveryError.noJournal }
        let options = Options(
            resume: resume, acknowledgements: acknowledgements,
            journalCipher: try journalKey.map { key throws(JournalError) in
                try FieldCipher(key: key, domain: cipherDomain(seed: scenario.seed))
            }, snapshotEvery: snapshotEvery.map { max(1, $0) }, balanceTransactions: balanceTransactions)
        let stopwatch = Stopwatch()
        let cpuAtStart = ProcessCPU.seconds()
        /// Wall and CPU time of the run, read last.
        func finish(_ report: inout RunReport) {
            report.wallSeconds = stopwatch.elapsed.seconds
            if let start = cpuAtStart, let end = ProcessCPU.seconds() {
                let user = end.user - start.user
                let system = end.system - start.system
                report.cpu = RunReport.CPUFigures(
                    userSeconds: user, systemSeconds: system,
                    cores: (user + system) / max(report.wallSeconds, 1e-9))
            }
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
                    name: "deterministic_run_stays_on_its_executor", holds: runtime.escapedJobCount == 0,
                    violations: runtime.escapedJobCount, examples: []))
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
    }

    /// The GCM nonce domain a run's card fields are sealed under: from its seed, so that runs
    /// with other seeds journaling under one key do not share nonces (the counter is the
    /// payment id, unique within one journal and its resumes).
    static func cipherDomain(seed: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: seed ^ (seed >> 32))
    }

    static func execute(
        _ scenario: Scenario, mode: RunMode, runtime: any Runtime, journal: (any Journal)? = nil,
        options: Options = Options(), progress: (@Sendable (RunProgress) -> Void)?
    ) async throws -> RunReport {
        // Chaos: the seed picks this run's faults; whole-run ones shape the configuration.
        let faults = FaultPlan(scenario)
        let scenario = faults.applying(to: scenario)
        // Crashes: the journal plays the disk (in memory unless the run was given one), and each
        // life of the system appends through its own fenced view of it.
        let crashes = faults.crashInstants(loadEnd: scenario.duration)
        let disk: (any Journal)? =
            crashes.isEmpty
            ? (journal ?? (faults.needsJournal ? Self.faultJournal() : nil)) : (journal ?? InMemoryJournal())
        // Snapshots are the disk's: the checkpointer follows the disk itself (every life's
        // records), below the chaos switch, so that a slowed or failing sync never delays one.
        let checkpointer = options.snapshotEvery.flatMap { every in
            disk.map { disk in
                JournalCheckpointer(
                    journal: disk, recordsPerSnapshot: every,
                    ledgerConfiguration: LedgerConfiguration(
                        shardCount: systemConfiguration(scenario).ledgerShards),
                    cipher: options.journalCipher)
            }
        }
        let checkpointed = disk.map { disk in
            checkpointer.map { CheckpointingJournal(disk, checkpointer: $0, runtime: runtime) } ?? disk
        }
        // The journal behind the chaos switch (slow syncs) and witness (acknowledgements).
        let chaosJournal = checkpointed.map { ChaosJournal($0, runtime: runtime) }
        let lifeJournal = crashes.isEmpty ? nil : chaosJournal.map { FencedJournal($0) }
        var configuration = faults.configure(
            systemConfiguration(scenario, journal: lifeJournal ?? chaosJournal))
        configuration.journalCipher = options.journalCipher
        configuration.balanceTransactionSink = options.balanceTransactions
        // Service crashes: the services they kill keep what a kill must be able to stop.
        let serviceCrashes = faults.serviceCrashes(loadEnd: scenario.duration)
        configuration.webhooks.restartable = serviceCrashes.contains { $0.service == .webhookDispatcher }
        let firstLife: PaymentSystem
        var resumedFrom: RunReport.RecoveryFigures?
        // Keys of the resumed life's journeys: unique per journal length, snapshot or not.
        var resumedKeyPrefix: String?
        if options.resume {
            let restartBegan = runtime.now()
            let (system, recovered) = try await PaymentSystem.recovering(
                runtime: runtime, configuration: configuration, crashRepairWhileServing: true)
            firstLife = system
            var figures = RunReport.RecoveryFigures()
            figures.paymentsRepaired = system.crashRepairFigures.paymentsSettled
            figures.restartToServingMsMax = Double(runtime.now().nanoseconds - restartBegan.nanoseconds) / 1e6
            figures.recordsReplayed = recovered.report.recordsReplayed
            figures.snapshotPosition = recovered.report.snapshotPosition?.sequence
            figures.paymentsRecovered = recovered.report.payments
            figures.transitionsRolledBack = recovered.report.transitionsRolledBack
            figures.transfersRolledForward = recovered.report.transfersRolledForward
            figures.keysResumable = recovered.startedKeys.count
            figures.webhooksRedelivered = recovered.pendingWebhooks.count
            resumedFrom = figures
            resumedKeyPrefix = "resumed-\(recovered.report.records)-journey"
        } else {
            firstLife = try PaymentSystem(runtime: runtime, configuration: configuration)
        }
        let host = SystemHost(
            system: firstLife, journal: lifeJournal, configuration: configuration, runtime: runtime)
        let schedule = FaultSchedule(
            plan: faults, system: firstLife, runtime: runtime, loadEnd: scenario.duration,
            journal: chaosJournal)
        let metrics = RunMetrics(answerDeadlineNanoseconds: scenario.answerDeadline.nanoseconds)
        let live = LiveJourneys()
        // The payments the read traffic reads: kept only when the scenario has reads.
        let recent = scenario.reads.isEmpty ? nil : RecentPayments()
        var client = Journey(
            host: host, keys: KeyRing(), metrics: metrics, runtime: runtime, journal: chaosJournal,
            faults: schedule, acknowledgements: options.acknowledgements,
            resumedKeyPrefix: resumedKeyPrefix, live: live, retryJitter: ClientRetryJitter(runtime: runtime),
            recent: recent)
        let expirySweepInterval = scenario.authorizationValidity.map(Self.expirySweepInterval)
        if let validity = scenario.authorizationValidity, let interval = expirySweepInterval,
            mode == .simulated
        {
            // A sweep may come up to one interval after the deadline; a second of slack for
            // the expiry's own work (the hold's release, the network's reversal). Only when the
            // clock is simulated: in realtime the wait is wall time, and a 60 s run (or a 20 s
            // capacity step) would sit through the whole validity after its load; there a
            // never-captured payment is counted as authorized only, and the sweep still expires
            // what outlives the validity.
            client.authorizationExpiryWait = validity + interval + .seconds(1)
        }
        let journey = client
        let planner = JourneyPlanner(scenario: scenario)
        let onboardedBeforeLoad =
            scenario.merchants.onboarding == .beforeLoad && !options.resume
            ? await onboardEveryMerchant(scenario, journey: journey, planner: planner, metrics: metrics)
            : 0
        let start = runtime.now()
        metrics.loadStarted(atNanoseconds: start.nanoseconds)
        let serviceSchedule = ServiceCrashSchedule(crashes: serviceCrashes, host: host, runtime: runtime)
        let crasher: Task<Void, Never>? =
            crashes.isEmpty
            ? nil
            : runtime.spawn {
                for instant in crashes {
                    try? await runtime.sleep(until: start + instant)
                    await host.crash(restartAfter: FaultPlan.restartDelay)
                }
            }
        // A dispatch later than this behind its intended time counts as late: the generator (not
        // the system) fell behind, and the run says so.
        let lateAfter: Int64 = mode == .realtime ? 10_000_000 : 0
        let inFlightBound = scenario.load.maxInFlight ?? InFlightBudget.defaultMaxInFlight
        // Realtime: the generator wakes at most once a millisecond and sends every arrival due
        // by then, instead of one timer per arrival (20,000 a second at 20,000 TPS). An arrival
        // is sent at most this late; its latency still counts from its intended time.
        let wakeIntervalNanoseconds: Int64 = mode == .realtime ? 1_000_000 : 0

        // The scenario's reads, through the facade of the life serving: the same read clients as
        // a run over the wire. No task at all without reads, so that such a run keeps its digest.
        let readMetrics = ReadMetrics()
        let reading = recent.map { recent in
            let readClients = ReadClients(
                traffic: scenario.reads, load: scenario.load,
                averagePaymentTPS: scenario.load.expectedArrivals / max(1e-9, scenario.duration.seconds),
                target: HostedTarget(host: host), recent: recent, metrics: readMetrics, runtime: runtime)
            return runtime.spawn { await readClients.run(start: start, inFlight: ReadInFlight()) }
        }

        // The processor's scheduler: authorizations past their validity expire (only when the
        // scenario sets one; without, no task, and the digest stays what it was).
        let expirySweeper = expirySweepInterval.map { interval in
            runtime.spawn {
                while !Task.isCancelled {
                    try? await runtime.sleep(for: interval)
                    if Task.isCancelled { break }
                    _ = await host.current().system.expireStaleAuthorizations()
                }
            }
        }

        let generator = runtime.spawn {
            var arrivals = ArrivalProcess(profile: scenario.load, random: runtime.randomStream("arrivals"))
            var random = runtime.randomStream("journeys")
            var number = 0
            var wokeNanoseconds = Int64.min / 2
            while let offset = arrivals.next() {
                let intended = SimTime(nanoseconds: start.nanoseconds + offset.nanoseconds)
                if runtime.now() < intended {
                    let wake = max(intended.nanoseconds, wokeNanoseconds + wakeIntervalNanoseconds)
                    try? await runtime.sleep(until: SimTime(nanoseconds: wake))
                    wokeNanoseconds = runtime.now().nanoseconds
                }
                number += 1
                // Drawn whether or not the arrival is sent, so that a drop does not change the
                // journeys of the arrivals after it.
                let plan = planner.plan(number, intended: intended, random: &random)
                if metrics.inFlight >= inFlightBound {
                    metrics.dropped(intendedNanoseconds: intended.nanoseconds)
                    continue
                }
                let delay = runtime.now().nanoseconds - intended.nanoseconds
                metrics.dispatched(delayNanoseconds: delay, late: lateAfter > 0 && delay > lateAfter)
                runtime.spawn {
                    await journey.run(plan)
                    metrics.finished()
                }
            }
        }
        let faultWindows = faults.windows(loadEnd: scenario.duration)
        // The reporter's timer runs whether or not anyone watches: it is a job of the run's
        // schedule, and a run without it (a swarm's seed, a test) drew another schedule than
        // `paystorm run` with its progress line, so a swarm's replay command did not reproduce it.
        let reporter = runtime.spawn {
            while !Task.isCancelled {
                try? await runtime.sleep(for: .seconds(1))
                guard let report = progress else { continue }
                let snapshot = metrics.takeSnapshot()
                let elapsed = runtime.now() - start
                // Read without suspending: the reporter adds no job to the run's schedule
                // beyond its timer, so the digest does not depend on what it reads.
                var progress = Self.progress(snapshot, elapsed: elapsed, scenario: scenario)
                Self.readSystemFigures(host.system, into: &progress)
                let seconds = elapsed.seconds
                progress.faultsActive = faultWindows.filter { $0.contains(seconds: seconds) }.map(\.name)
                report(progress)
            }
        }
        // Resident memory once a minute of the run's own clock. It only reads the process's
        // RSS, so it changes nothing the digest covers; its wake-ups are ordinary timer jobs.
        let memory = MemorySampleBox()
        let memorySampler = runtime.spawn {
            var minute = 0
            while !Task.isCancelled {
                try? await runtime.sleep(until: start + .seconds(60 * (minute + 1)))
                if Task.isCancelled { break }
                minute += 1
                if let bytes = ResidentMemory.bytes() { memory.record(minute: minute, bytes: bytes) }
            }
        }
        await generator.value
        await reading?.value
        await crasher?.value
        await serviceSchedule.finish()
        await schedule.heal()  // Safety phase over; journeys still in flight must now finish.
        live.markHealed()
        await livenessPhase(
            live, metrics: metrics, host: host, runtime: runtime, bound: scenario.livenessTimeout)
        // A restarted life repairs interrupted payments while it serves: no journey waits for a
        // payment its client never heard of, so the checks wait for the repair.
        await host.system.awaitCrashRepair()
        expirySweeper?.cancel()
        reporter.cancel()
        memorySampler.cancel()
        let memoryAtEnd = ResidentMemory.bytes()
        let runEnd = runtime.now()
        let system = host.system  // After crashes, the last life.

        let settlement = await system.runDailySettlement()
        if let webhooks = system.webhooks {
            // Deliveries still retrying after this are reported as pending, not waited for.
            let grace: Duration = mode == .realtime ? .seconds(5) : .seconds(6 * 3_600)
            _ = await runtime.withTimeout(grace) { await webhooks.waitUntilIdle() }
        }
        // After a service crash, the journal says whether any event is still owed.
        var owedAfterServiceCrashes: [PendingWebhook]?
        if serviceSchedule.planned > 0, let disk {
            do {
                owedAfterServiceCrashes = try await PendingWebhookScan.scan(
                    disk, ledgerConfiguration: system.ledger.configuration,
                    cipher: configuration.journalCipher)
            } catch {
                serviceSchedule.noteFailure("reading the journal for the events still owed: \(error)")
            }
        }
        var report = await ReportBuilder(
            scenario: scenario, mode: mode, system: system, metrics: metrics, settlement: settlement,
            // A resumed run restarted too: its movement book starts empty beside a replayed ledger.
            simulated: runEnd - start, hasRestarted: host.mayCrash || options.resume,
            owedAfterServiceCrashes: owedAfterServiceCrashes
        ).build()
        report.resumedFrom = resumedFrom
        report.faultWindows = faultWindows
        if !scenario.reads.isEmpty { report.reads = readMetrics.figures(scenario.reads) }
        report.generator.maxInFlight = inFlightBound
        if scenario.load.maxInFlight == nil {
            report.generator.maxInFlightSource = RunReport.GeneratorFigures.memoryBudgetSource
            report.generator.memoryBudgetMB = InFlightBudget.memoryBudgetBytes >> 20
            report.generator.journeyBytesEstimate = InFlightBudget.journeyBytesEstimate
        } else {
            report.generator.maxInFlightSource = "scenario"
        }
        if let (figures, invariant) = await serviceSchedule.report(system: system) {
            report.serviceRestarts = figures
            report.invariants.append(invariant)
        }
        if host.mayCrash, let disk {
            await checkJournalAfterCrashes(
                disk, cipher: configuration.journalCipher,
                ledgerConfiguration: LedgerConfiguration(shardCount: configuration.ledgerShards), host: host,
                report: &report)
        }
        if let checkpointer {
            await checkpointer.idle(runtime: runtime)
            let statistics = checkpointer.statistics
            report.snapshots = RunReport.SnapshotFigures(
                every: checkpointer.recordsPerSnapshot, written: statistics.snapshots,
                lastPosition: statistics.lastSnapshotPosition.sequence,
                lastBytes: statistics.lastSnapshotBytes,
                largestBytes: statistics.largestSnapshotBytes, failures: statistics.failures,
                lastFailure: statistics.lastFailure)
            if statistics.failures > 0 {
                report.invariants.append(
                    RunReport.InvariantResult(
                        name: "journal_snapshots_written", holds: false, violations: statistics.failures,
                        examples: statistics.lastFailure.map { [$0] } ?? []))
            }
        }
        report.memory = memory.figures(endBytes: memoryAtEnd)
        report.thresholds = ReportBuilder.thresholds(Threshold.judging(scenario.thresholds), in: report)
        report.generator.merchantsOnboardedBeforeLoad = onboardedBeforeLoad
        let (refusalsRetried, unknownResolved, pastBound) = live.figures
        if chaosJournal != nil || refusalsRetried + unknownResolved + pastBound > 0 {
            var chaos = RunReport.ChaosFigures()
            chaos.journalAppendsFailed = chaosJournal?.appendsFailed ?? 0
            chaos.transitionsUndone = Int(system.counters.transitionsUndone)
            chaos.refusalsRetried = refusalsRetried
            chaos.unknownOutcomesResolved = unknownResolved
            chaos.journeysPastLivenessBound = pastBound
            report.chaos = chaos
        }
        return report
    }

    static let livenessInvariant = "every_payment_settles_after_heal"

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
                        if await journey.apiKey(for: merchant, settlement: settlement, waitingForHeal: false)
                            != nil
                        {
                            onboarded += 1
                        } else {
                            metrics.violation(
                                "merchant_onboarding", "\(merchant) could not be onboarded before the load")
                        }
                    }
                    return onboarded
                }
            }
            return await group.reduce(0, +)
        }
    }

    /// The liveness phase: with every fault healed, the journeys in flight get `bound` of run
    /// time to end. One still at a request (or a final read) when it runs out is a violation
    /// naming its payment; one sleeping until its plan's next step is in a well-defined wait and
    /// is waited for until that step is due (plus `bound` again). Then the journeys still
    /// retrying are told to give up, and the run goes on to its checks: never a hang.
    static func livenessPhase(
        _ live: LiveJourneys, metrics: RunMetrics, host: SystemHost, runtime: any Runtime, bound: Duration
    ) async {
        let poll: Duration = .milliseconds(20)
        var deadline = runtime.now() + bound
        while metrics.inFlight > 0, runtime.now() < deadline { try? await runtime.sleep(for: poll) }
        var reported: Set<Int> = []
        while metrics.inFlight > 0 {
            var waitingUntil: SimTime?
            for (number, entry) in live.snapshot where !reported.contains(number) {
                if !reported.contains(-number - 1) {
                    reported.insert(-number - 1)
                    live.notePastBound()
                }
                if let until = entry.waitingUntil, until >= runtime.now() {
                    waitingUntil = max(waitingUntil ?? until, until)
                    continue
                }
                reported.insert(number)
                var state = "no payment"
                if let id = entry.payment {
                    state = host.system.paymentNow(id).map { "\($0.payment.state)" } ?? "not held"
                }
                metrics.violation(
                    livenessInvariant,
                    "\(entry.payment?.description ?? entry.key) (\(entry.key)) at \(entry.step), \(state), "
                        + "\(DurationText.format(bound)) after the heal")
            }
            guard let waitingUntil else { break }
            deadline = waitingUntil + bound
            while metrics.inFlight > 0, runtime.now() < deadline { try? await runtime.sleep(for: poll) }
        }
        live.close()
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
                for example in invariant.examples { host.violation("recovery_" + invariant.name, example) }
            }
            // Once the last life's dispatcher is idle, no event any life emitted is still owed:
            // those the dead lives left undelivered were delivered again.
            if report.webhooks.pending == 0, let first = recovered.pendingWebhooks.first {
                host.violation(
                    "webhooks_owed_after_recovery_delivered",
                    "\(recovered.pendingWebhooks.count) events never settled, e.g. \(first.eventID) \(first.type)"
                )
            }
        } catch {
            host.violation("recovery_succeeds", "final recovery of the whole journal: \(error)")
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
        _ scenario: Scenario, journal: (any Journal)? = nil
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
        return progress
    }
}
