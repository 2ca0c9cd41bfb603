import Core
import Journal
import Ledger
import PaystormRuntime
import Services

extension RunAssembly {
    /// After the liveness phase: the day's settlement, the webhooks given time to drain, the
    /// checks and the report, with what only the runner knows added to it (the generator's
    /// bound, restarts, the journal's last recovery, snapshots, memory, thresholds, chaos).
    func finish(
        tasks: RunTasks, serviceSchedule: ServiceCrashSchedule, loadStart: SimTime, onboardedBeforeLoad: Int
    ) async -> RunReport {
        let memoryAtEnd = ResidentMemory.bytes()
        let runEnd = runtime.now()
        let system = host.system  // After crashes, the last life.
        let settlement = await system.runDailySettlement()
        if let webhooks = system.webhooks {
            // Deliveries still retrying after this are reported as pending, not waited for.
            let grace: Duration = mode == .realtime ? .seconds(5) : .seconds(6 * 3_600)
            _ = await runtime.withTimeout(grace) { await webhooks.waitUntilIdle() }
        }
        let owed = await owedAfterServiceCrashes(serviceSchedule, system: system)
        var report = await ReportBuilder(
            scenario: scenario, mode: mode, system: system, metrics: metrics, settlement: settlement,
            simulated: runEnd - loadStart, expectedBalances: expectedBalances,
            // A resumed run restarted too: its movement book starts empty beside a replayed ledger.
            hasRestarted: host.mayCrash || options.resume, owedAfterServiceCrashes: owed
        ).build()
        report.resumedFrom = resumedFrom
        report.faultWindows = tasks.faultWindows
        if !scenario.reads.isEmpty { report.reads = tasks.readMetrics.figures(scenario.reads) }
        addGeneratorFigures(inFlightBound: tasks.inFlightBound, to: &report)
        if let (figures, invariant) = await serviceSchedule.report(system: system) {
            report.serviceRestarts = figures
            report.invariants.append(invariant)
        }
        if host.mayCrash, let disk {
            await ScenarioRunner.checkJournalAfterCrashes(
                disk, cipher: configuration.journal.cipher,
                ledgerConfiguration: LedgerConfiguration(shardCount: configuration.ledgerShards), host: host,
                report: &report)
        }
        await addSnapshotFigures(to: &report)
        report.memory = tasks.memory.figures(endBytes: memoryAtEnd)
        report.thresholds = ReportBuilder.thresholds(Threshold.judging(scenario.thresholds), in: report)
        report.generator.merchantsOnboardedBeforeLoad = onboardedBeforeLoad
        addChaosFigures(system: system, to: &report)
        return report
    }

    /// After a service crash, the journal says whether any event is still owed.
    private func owedAfterServiceCrashes(
        _ serviceSchedule: ServiceCrashSchedule, system: PaymentSystem
    ) async -> [PendingWebhook]? {
        guard serviceSchedule.planned > 0, let disk else { return nil }
        do {
            return try await PaymentSystemRecovery.owedWebhooks(
                in: disk, ledgerConfiguration: system.ledger.configuration,
                cipher: configuration.journal.cipher)
        } catch {
            serviceSchedule.noteFailure("reading the journal for the events still owed: \(error)")
            return nil
        }
    }

    private func addGeneratorFigures(inFlightBound: Int, to report: inout RunReport) {
        report.generator.maxInFlight = inFlightBound
        if scenario.load.maxInFlight == nil {
            report.generator.maxInFlightSource = RunReport.GeneratorFigures.memoryBudgetSource
            report.generator.memoryBudgetMB = InFlightBudget.memoryBudgetBytes >> 20
            report.generator.journeyBytesEstimate = InFlightBudget.journeyBytesEstimate
            report.generator.waitingJourneyBytesEstimate = InFlightBudget.waitingJourneyBytesEstimate
        } else {
            report.generator.maxInFlightSource = "scenario"
        }
    }

    private func addSnapshotFigures(to report: inout RunReport) async {
        guard let checkpointer else { return }
        await checkpointer.idle(runtime: runtime)
        let statistics = checkpointer.statistics
        report.snapshots = RunReport.SnapshotFigures(
            every: checkpointer.recordsPerSnapshot, written: statistics.snapshots,
            lastPosition: statistics.lastSnapshotPosition.sequence, lastBytes: statistics.lastSnapshotBytes,
            largestBytes: statistics.largestSnapshotBytes, failures: statistics.failures,
            lastFailure: statistics.lastFailure)
        if statistics.failures > 0 {
            report.invariants.append(
                RunReport.InvariantResult(
                    .journalSnapshotsWritten, violations: statistics.failures,
                    examples: statistics.lastFailure.map { [$0] } ?? []))
        }
    }

    private func addChaosFigures(system: PaymentSystem, to report: inout RunReport) {
        let (refusalsRetried, unknownResolved, pastBound) = live.figures
        guard chaosJournal != nil || refusalsRetried + unknownResolved + pastBound > 0 else { return }
        var chaos = RunReport.ChaosFigures()
        chaos.journalAppendsFailed = chaosJournal?.appendsFailed ?? 0
        chaos.transitionsUndone = Int(system.counters.transitionsUndone)
        chaos.refusalsRetried = refusalsRetried
        chaos.unknownOutcomesResolved = unknownResolved
        chaos.journeysPastLivenessBound = pastBound
        report.chaos = chaos
    }
}
