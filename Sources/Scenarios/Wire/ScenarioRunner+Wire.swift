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
    public static func runOverWire(
        _ scenario: Scenario, target: any PaymentTarget, targetName: String, keyPrefix: String,
        webhooks: (any WebhookWitness)? = nil, faults: (any ServerFaultControl)? = nil,
        progress: (@Sendable (RunProgress) -> Void)? = nil
    ) async -> RunReport {
        let stopwatch = Stopwatch()
        let cpuAtStart = ProcessCPU.seconds()
        let runtime = ConcurrentRuntime(seed: scenario.seed)
        let metrics = RunMetrics(answerDeadlineNanoseconds: scenario.answerDeadline.nanoseconds)
        let live = LiveJourneys()
        // No faults of the runner's own: an unknown outcome is read again at once.
        live.markHealed()
        let wire = WireFigures()
        let recent = RecentPayments()
        let journey = Journey(
            host: nil, keys: KeyRing(), metrics: metrics, runtime: runtime, journal: nil, faults: nil,
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
        let readClients = ReadClients(
            traffic: scenario.reads, load: scenario.load,
            averagePaymentTPS: scenario.load.expectedArrivals / max(1e-9, scenario.duration.seconds),
            target: target, recent: recent, metrics: readMetrics, runtime: runtime)
        let readsInFlight = ReadInFlight()
        let reading = runtime.spawn { await readClients.run(start: start, inFlight: readsInFlight) }
        // The open-model generator of `execute`: arrivals at their intended times whatever the
        // server does, bounded in flight when the scenario says so.
        let generator = runtime.spawn {
            var arrivals = ArrivalProcess(profile: scenario.load, random: runtime.randomStream("arrivals"))
            var random = runtime.randomStream("journeys")
            var number = 0
            while let offset = arrivals.next() {
                let intended = SimTime(nanoseconds: start.nanoseconds + offset.nanoseconds)
                if runtime.now() < intended { try? await runtime.sleep(until: intended) }
                number += 1
                let plan = planner.plan(number, intended: intended, random: &random)
                if let bound = scenario.load.maxInFlight, metrics.inFlight >= bound {
                    metrics.dropped(intendedNanoseconds: intended.nanoseconds)
                    continue
                }
                let delay = runtime.now().nanoseconds - intended.nanoseconds
                metrics.dispatched(delayNanoseconds: delay, late: delay > 10_000_000)
                runtime.spawn {
                    await journey.run(plan)
                    metrics.finished()
                }
            }
        }
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
        await generator.value
        await reading.value
        await injecting.value
        await injector.heal()
        // Journeys still in flight get the scenario's liveness bound to end (later steps are
        // at most `laterStepsWithin` away); one still running then is named.
        let deadline = runtime.now() + scenario.livenessTimeout
        // Reads are counted when answered: the report waits for those still out as it does for
        // journeys, or a slow machine would report reads sent as never sent.
        while metrics.inFlight > 0 || readsInFlight.current > 0, runtime.now() < deadline {
            try? await runtime.sleep(for: .milliseconds(20))
        }
        for (_, entry) in live.snapshot {
            metrics.violation(
                .everyPaymentSettlesAfterHeal,
                "\(entry.payment?.description ?? entry.key) (\(entry.key)) at \(entry.step), "
                    + "\(DurationText.format(scenario.livenessTimeout)) after the load")
        }
        live.close()
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
        await webhooks?.settle(grace: .seconds(30))
        let audit = await (target as? any AuditableTarget)?.audit()
        if let webhooks {
            let verdict = webhooks.verdict(audit: audit)
            report.webhooks = verdict.figures
            figures.webhookLatencyMs = verdict.latencyMs
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
                    examples: unbalanced.prefix(5).map { "\($0.key) sums to \($0.value)" }))
        } else {
            figures.notChecked.append(Invariant.auditLedgerBalancedPerCurrency.rawValue)
        }
        report.wire = figures
        if !scenario.reads.isEmpty { report.reads = readMetrics.figures(scenario.reads) }
        report.generator.merchantsOnboardedBeforeLoad = onboardedBeforeLoad
        report.memory = nil
        report.thresholds = ReportBuilder.thresholds(
            Threshold.judging(scenario.thresholds).filter {
                WireReportBuilder.judgedOverTheWire($0.metric, webhooks: webhooks != nil)
            }, in: report)
        report.wallSeconds = stopwatch.elapsed.seconds
        if let startCPU = cpuAtStart, let end = ProcessCPU.seconds() {
            let user = end.user - startCPU.user
            let system = end.system - startCPU.system
            report.cpu = RunReport.CPUFigures(
                userSeconds: user, systemSeconds: system,
                cores: (user + system) / max(report.wallSeconds, 1e-9))
        }
        return report
    }
}
