import Core
import PaystormRuntime
import Services

extension ScenarioRunner {
    /// The checks an in-process run makes that a run over the wire cannot: they read the
    /// system's own state (its orchestrator, networks, event sink, settlement files).
    static let checksNotOverTheWire = [
        Invariant.settlementReconcilesWithNetworkFiles, .merchantBalancesAsExpected,
        .noAuthorizationHeldForAFailedPayment, .oneEventPerStateChange, .noNetworkObligationLeftOwed,
        .everyAcknowledgedAnswerJournaled, .disputeLifecycle,
    ].map(\.rawValue)

    /// Runs a scenario in real time against a server over the wire: the same arrivals and
    /// journeys as an in-process run, sent through `target`; each journey checks at its end
    /// what the API shows against what its client was told, and the server's audit route (when
    /// `target` has one) says whether its ledger balances.
    /// - Parameters:
    ///   - targetName: how the report names the target (its URL).
    ///   - keyPrefix: the run's idempotency keys start with it, so that two runs against one
    ///     server never share a key.
    ///   - webhooks: the merchants' endpoint (the runner's receiver): the scenario's webhook
    ///     faults set its mode, and its verdict joins the report. Nil: events are not checked.
    ///   - faults: the server's admin fault route: the scenario's network faults are switched
    ///     through it on their schedule. Nil: they are not injected (the report says so).
    ///   - readTarget: what the read traffic reads through, when not `target` (a client of
    ///     its own, as a dashboard or a status checker is).
    ///   - timerDriver: what wakes the run's sleeps (a journey's steps, the arrivals); nil: a
    ///     dispatch timer.
    public static func runOverWire(
        _ scenario: Scenario, target: any PaymentTarget, targetName: String, keyPrefix: String,
        webhooks: (any WebhookWitness)? = nil, faults: (any ServerFaultControl)? = nil,
        readTarget: (any PaymentTarget)? = nil, timerDriver: (any TimerDriver)? = nil,
        progress: (@Sendable (RunProgress) -> Void)? = nil
    ) async -> RunReport {
        let stopwatch = Stopwatch()
        let cpuAtStart = ProcessCPU.seconds()
        let runtime = ConcurrentRuntime(seed: scenario.seed, timerDriver: timerDriver)
        let metrics = RunMetrics(answerDeadlineNanoseconds: scenario.answerDeadline.nanoseconds)
        let live = LiveJourneys()
        // No faults of the runner's own: an unknown outcome is read again at once.
        live.markHealed()
        let wire = WireFigures()
        let recent = RecentPayments()
        let journey = Journey(
            host: nil, keys: KeyRing(), metrics: metrics, runtime: runtime,
            timetable: JourneyTimetable(runtime: runtime), journal: nil, faults: nil,
            acknowledgements: nil, resumedKeyPrefix: keyPrefix, live: live,
            retryJitter: ClientRetryJitter(runtime: runtime), remote: target, wire: wire, recent: recent)
        let planner = JourneyPlanner(scenario: scenario)
        let onboardedBeforeLoad =
            scenario.merchants.onboarding == .beforeLoad
            ? await onboardEveryMerchant(scenario, journey: journey, planner: planner, metrics: metrics) : 0
        let start = runtime.now()
        metrics.loadStarted(atNanoseconds: start.nanoseconds)
        let plan = FaultPlan(scenario)
        let injector = WireFaultInjector(
            plan: plan, loadEnd: scenario.duration, webhooks: webhooks, server: faults)
        let injecting = runtime.spawn { await injector.run(runtime: runtime, start: start) }
        let readMetrics = ReadMetrics()
        let readsInFlight = ReadInFlight()
        let reading = startReads(
            scenario, target: readTarget ?? target, recent: recent, metrics: readMetrics,
            inFlight: readsInFlight, runtime: runtime, start: start)
        let generating = startArrivals(
            scenario, planner: planner, journey: journey, metrics: metrics, runtime: runtime, start: start)
        let reporter = progress.map { report in
            runtime.spawn {
                while !Task.isCancelled {
                    try? await runtime.sleep(for: .seconds(1))
                    let snapshot = metrics.takeSnapshot()
                    let elapsed = runtime.now() - start
                    report(Self.progress(snapshot, elapsed: elapsed, scenario: scenario))
                }
            }
        }
        await generating.value
        await reading.value
        await injecting.value
        await injector.heal()
        await awaitJourneys(
            live: live, metrics: metrics, reads: readsInFlight, scenario: scenario, runtime: runtime)
        reporter?.cancel()
        let runEnd = runtime.now()
        var report = WireReportBuilder(
            scenario: scenario, metrics: metrics, simulated: runEnd - start, targetName: targetName
        ).build()
        var figures = wire.report(target: targetName)
        figures.notChecked = checksNotOverTheWire
        figures.faultsSwitched = injector.switched
        figures.faultsRefused = injector.refused
        figures.faultsNotInjected = injector.notInjected
        figures.journeysClient = (target as? any WireClientFigures)?.summary
        figures.readsClient = (readTarget as? any WireClientFigures)?.summary
        await addServerChecks(webhooks: webhooks, target: target, to: &report, figures: &figures)
        report.wire = figures
        if !scenario.reads.isEmpty { report.reads = readMetrics.figures(scenario.reads) }
        report.generator.merchantsOnboardedBeforeLoad = onboardedBeforeLoad
        report.memory = nil
        report.thresholds = ReportBuilder.thresholds(
            Threshold.judging(scenario.thresholds).filter {
                WireReportBuilder.judgedOverTheWire($0.metric, webhooks: webhooks != nil)
            }, in: report)
        report.wallSeconds = stopwatch.elapsed.seconds
        report.cpu = cpuFigures(since: cpuAtStart, wallSeconds: report.wallSeconds)
        return report
    }

    /// The generator of a realtime run in process (arrivals at their intended times whatever
    /// the server does, bounded in flight only when the scenario says so, one wake-up a
    /// millisecond at most), each arrival's merchant onboarded ahead of it by the warmer.
    private static func startArrivals(
        _ scenario: Scenario, planner: JourneyPlanner, journey: Journey, metrics: RunMetrics,
        runtime: any Runtime, start: SimTime
    ) -> Task<Void, Never> {
        let generator = LoadGenerator(
            scenario: scenario, planner: planner, journey: journey, metrics: metrics, runtime: runtime,
            inFlightBound: scenario.load.maxInFlight, lateAfterNanoseconds: 10_000_000,
            wakeIntervalNanoseconds: 1_000_000)
        let warmer = MerchantWarmer(scenario: scenario, planner: planner, journey: journey, runtime: runtime)
        return runtime.spawn {
            async let warmed: Void = warmer.run(start: start)
            await generator.run(start: start)
            await warmed
        }
    }

    /// The scenario's read traffic over the wire, from `start` until the load ends.
    private static func startReads(
        _ scenario: Scenario, target: any PaymentTarget, recent: RecentPayments, metrics: ReadMetrics,
        inFlight: ReadInFlight, runtime: any Runtime, start: SimTime
    ) -> Task<Void, Never> {
        var readClients = ReadClients(
            traffic: scenario.reads, load: scenario.load,
            averagePaymentTPS: scenario.load.expectedArrivals / max(1e-9, scenario.duration.seconds),
            target: target, recent: recent, metrics: metrics, runtime: runtime)
        // At most one wake-up a millisecond per read kind rather than a timer per read (10,000
        // a second at black-friday's peak).
        readClients.wakeIntervalNanoseconds = 1_000_000
        return runtime.spawn { [readClients] in await readClients.run(start: start, inFlight: inFlight) }
    }

    /// Journeys still in flight get the scenario's liveness bound to end (later steps are at
    /// most `laterStepsWithin` away); one still running then is named. Reads are counted when
    /// answered: the report waits for those still out as it does for journeys, or a slow
    /// machine would report reads sent as never sent.
    private static func awaitJourneys(
        live: LiveJourneys, metrics: RunMetrics, reads: ReadInFlight, scenario: Scenario, runtime: any Runtime
    ) async {
        let deadline = runtime.now() + scenario.livenessTimeout
        while metrics.inFlight > 0 || reads.current > 0, runtime.now() < deadline {
            try? await runtime.sleep(for: LivenessPhase.pollInterval)
        }
        for (_, entry) in live.snapshot {
            metrics.violation(
                .everyPaymentSettlesAfterHeal,
                "\(entry.payment?.description ?? entry.key) (\(entry.key)) at \(entry.step), "
                    + "\(DurationText.format(scenario.livenessTimeout)) after the load")
        }
        live.close()
    }

    /// What the server's side shows: the webhook receiver's verdict on the events it got, and
    /// the server's audit of its ledger; each check it cannot make is named as not checked.
    private static func addServerChecks(
        webhooks: (any WebhookWitness)?, target: any PaymentTarget, to report: inout RunReport,
        figures: inout WireReport
    ) async {
        await webhooks?.settle(grace: .seconds(30))
        let audit = await (target as? any AuditableTarget)?.audit()
        if let webhooks {
            let verdict = webhooks.verdict(audit: audit)
            report.webhooks = verdict.figures
            figures.webhookLatencyMilliseconds = verdict.latencyMilliseconds
            for check in verdict.checks {
                report.invariants.append(
                    RunReport.InvariantResult(
                        check.invariant, violations: check.violations,
                        examples: Array(check.examples.prefix(InvariantTally.examplesMax))))
            }
        } else {
            figures.notChecked.append(Invariant.acknowledgedPaymentEventsDeliveredOrDeadLettered.rawValue)
            figures.notChecked.append(Invariant.webhookSignaturesValid.rawValue)
        }
        if let audit {
            figures.auditChecked = true
            let unbalanced = audit.ledgerSumByCurrency.filter { $0.value != 0 }.sorted { $0.key < $1.key }
            report.invariants.append(
                RunReport.InvariantResult(
                    .auditLedgerBalancedPerCurrency,
                    violations: audit.ledgerBalanced ? unbalanced.count : max(1, unbalanced.count),
                    examples: unbalanced.prefix(InvariantTally.examplesMax).map {
                        "\($0.key) sums to \($0.value)"
                    }))
        } else {
            figures.notChecked.append(Invariant.auditLedgerBalancedPerCurrency.rawValue)
        }
    }
}
