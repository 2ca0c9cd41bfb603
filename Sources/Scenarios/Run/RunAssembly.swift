import Core
import Journal
import Ledger
import PaystormRuntime
import Services

/// Everything a run in process is wired from before its load starts: the seed's faults and the
/// scenario they shape; the journal stack (the disk, the snapshot checkpointer that follows it,
/// the chaos switch, a fenced view per life of the system); the system's configuration and its
/// first life, new or resumed from the journal; and the clients' side (metrics, the journeys'
/// shared state, the journey every arrival plays).
struct RunAssembly {
    let mode: RunMode
    let runtime: any Runtime
    let options: ScenarioRunner.Options
    let faults: FaultPlan
    /// The scenario as the seed's faults shape it.
    let scenario: Scenario
    let crashes: [Duration]
    let serviceCrashes: [FaultPlan.ServiceCrash]
    /// The journal as the disk holds it (every life's records); nil when the run has none.
    let disk: (any Journal)?
    let checkpointer: JournalCheckpointer?
    /// The journal behind the chaos switch (slow syncs) and witness (acknowledgements).
    let chaosJournal: ChaosJournal?
    let configuration: PaymentSystemConfiguration
    let host: SystemHost
    let schedule: FaultSchedule
    let resumedFrom: RunReport.RecoveryFigures?
    let metrics: RunMetrics
    let live: LiveJourneys
    let expectedBalances: ExpectedMerchantBalances
    let planner: JourneyPlanner
    let journey: Journey

    /// The assembled run.
    /// - Throws: what recovery throws when `options.resume` rebuilds the system from `journal`.
    static func assemble(
        _ scenario: Scenario, mode: RunMode, runtime: any Runtime, journal: (any Journal)?,
        options: ScenarioRunner.Options
    ) async throws -> RunAssembly {
        // Chaos: the seed picks this run's faults; whole-run ones shape the configuration.
        let faults = FaultPlan(scenario)
        let scenario = faults.applying(to: scenario)
        let crashes = faults.crashInstants(loadEnd: scenario.duration)
        let journals = Journals(
            scenario, faults: faults, crashes: crashes, journal: journal, options: options, runtime: runtime)
        let log: (any Journal)? = journals.life ?? journals.chaos
        var configuration = faults.configure(
            ScenarioRunner.systemConfiguration(
                scenario,
                journal: log.map { DurablePaymentJournal($0, cipher: options.journalCipher) }
                    ?? NullPaymentJournal()))
        configuration.plantedBug = options.plantedBug
        configuration.balanceTransactionSink = options.balanceTransactions
        // Service crashes: the services they kill keep what a kill must be able to stop.
        let serviceCrashes = faults.serviceCrashes(loadEnd: scenario.duration)
        configuration.webhooks.restartable = serviceCrashes.contains { $0.service == .webhookDispatcher }
        let expectedBalances = ExpectedMerchantBalances()
        let firstLife = try await FirstLife.start(
            configuration, resume: options.resume, expectedBalances: expectedBalances, runtime: runtime)
        let host = SystemHost(
            system: firstLife.system, journal: journals.life, configuration: configuration, runtime: runtime)
        let schedule = FaultSchedule(
            plan: faults, system: firstLife.system, runtime: runtime, loadEnd: scenario.duration,
            journal: journals.chaos)
        let metrics = RunMetrics(answerDeadlineNanoseconds: scenario.answerDeadline.nanoseconds)
        let live = LiveJourneys()
        var journey = Journey(
            host: host, keys: KeyRing(), metrics: metrics, runtime: runtime,
            timetable: JourneyTimetable(runtime: runtime), journal: journals.chaos,
            faults: schedule, acknowledgements: options.acknowledgements,
            resumedKeyPrefix: firstLife.resumedKeyPrefix, live: live,
            retryJitter: ClientRetryJitter(runtime: runtime),
            // The payments the read traffic reads: kept only when the scenario has reads.
            recent: scenario.reads.isEmpty ? nil : RecentPayments(), expectedBalances: expectedBalances)
        journey.authorizationExpiryWait = Self.authorizationExpiryWait(scenario, mode: mode)
        return RunAssembly(
            mode: mode, runtime: runtime, options: options, faults: faults, scenario: scenario,
            crashes: crashes,
            serviceCrashes: serviceCrashes, disk: journals.disk, checkpointer: journals.checkpointer,
            chaosJournal: journals.chaos, configuration: configuration, host: host, schedule: schedule,
            resumedFrom: firstLife.resumedFrom, metrics: metrics, live: live,
            expectedBalances: expectedBalances,
            planner: JourneyPlanner(scenario: scenario), journey: journey)
    }

    /// How long a journey that never captures waits before it reads whether its authorization
    /// expired. A sweep may come up to one interval after the deadline; a second of slack for
    /// the expiry's own work (the hold's release, the network's reversal). Only when the clock
    /// is simulated: in realtime the wait is wall time, and a 60 s run (or a 20 s capacity step)
    /// would sit through the whole validity after its load; there a never-captured payment is
    /// counted as authorized only, and the sweep still expires what outlives the validity.
    static func authorizationExpiryWait(_ scenario: Scenario, mode: RunMode) -> Duration? {
        guard mode == .simulated, let validity = scenario.authorizationValidity else { return nil }
        return validity + ScenarioRunner.expirySweepInterval(validity) + .seconds(1)
    }

    /// The journal stack of a run.
    struct Journals {
        let disk: (any Journal)?
        let checkpointer: JournalCheckpointer?
        let chaos: ChaosJournal?
        /// The fenced view the first life appends through; nil without crashes.
        let life: FencedJournal?

        init(
            _ scenario: Scenario, faults: FaultPlan, crashes: [Duration], journal: (any Journal)?,
            options: ScenarioRunner.Options, runtime: any Runtime
        ) {
            // Crashes: the journal plays the disk (in memory unless the run was given one), and
            // each life of the system appends through its own fenced view of it.
            let disk: (any Journal)? =
                crashes.isEmpty
                ? (journal ?? (faults.needsJournal ? ScenarioRunner.faultJournal() : nil))
                : (journal ?? InMemoryJournal())
            // Snapshots are the disk's: the checkpointer follows the disk itself (every life's
            // records), below the chaos switch, so that a slowed or failing sync never delays one.
            let checkpointer = options.snapshotEvery.flatMap { every in
                disk.map { disk in
                    JournalCheckpointer(
                        journal: disk, recordsPerSnapshot: every,
                        ledgerConfiguration: LedgerConfiguration(
                            shardCount: ScenarioRunner.systemConfiguration(scenario).ledgerShards),
                        cipher: options.journalCipher, runtime: runtime)
                }
            }
            let checkpointed: (any Journal)? = checkpointer ?? disk
            self.disk = disk
            self.checkpointer = checkpointer
            chaos = checkpointed.map { ChaosJournal($0, runtime: runtime) }
            life = crashes.isEmpty ? nil : chaos.map { FencedJournal($0) }
        }
    }

    /// The system the run starts with: a new one, or one resumed from the journal.
    struct FirstLife {
        let system: PaymentSystem
        var resumedFrom: RunReport.RecoveryFigures?
        /// Keys of the resumed life's journeys: unique per journal length, snapshot or not.
        var resumedKeyPrefix: String?

        static func start(
            _ configuration: PaymentSystemConfiguration, resume: Bool,
            expectedBalances: ExpectedMerchantBalances, runtime: any Runtime
        ) async throws -> FirstLife {
            guard resume else {
                return FirstLife(system: try PaymentSystem(runtime: runtime, configuration: configuration))
            }
            let restartBegan = runtime.now()
            let (system, recovered) = try await PaymentSystem.recovering(
                runtime: runtime, configuration: configuration, crashRepairWhileServing: true)
            var figures = RunReport.RecoveryFigures()
            figures.paymentsRepaired = system.crashRepairFigures.paymentsSettled
            figures.restartToServingMsMax = Double(runtime.now().nanoseconds - restartBegan.nanoseconds) / 1e6
            figures.recordsReplayed = recovered.report.recordsReplayed
            figures.snapshotPosition = recovered.report.snapshotPosition?.sequence
            figures.paymentsRecovered = recovered.report.payments
            figures.transfersRolledForward = recovered.report.transfersRolledForward
            figures.keysResumable = recovered.startedKeys.count
            figures.webhooksRedelivered = recovered.pendingWebhooks.count
            // The earlier runs' balances are this run's opening ones, read once the repairs of
            // what they left interrupted are booked (a repair between two reads would count in
            // one and not the other).
            await system.awaitCrashRepair()
            await expectedBalances.open(from: system)
            return FirstLife(
                system: system, resumedFrom: figures,
                resumedKeyPrefix: "resumed-\(recovered.report.records)-journey")
        }
    }
}
