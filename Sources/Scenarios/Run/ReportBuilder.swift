import Core
import Ledger
import PaystormRuntime
import Services

/// Checks every invariant of the run against the system's final state and assembles the report.
struct ReportBuilder {
    let scenario: Scenario
    let mode: RunMode
    let system: PaymentSystem
    let metrics: RunMetrics
    let settlement: SettlementSummary
    let simulated: Duration
    /// Whether the system crashed and was rebuilt from its journal during the run.
    var hasRestarted = false
    /// When a service crashed during the run: the events the journal shows owed at the end
    /// (emitted, never settled), read after the last dispatcher went idle.
    var owedAfterServiceCrashes: [PendingWebhook]? = nil

    static let settlementFilesInvariant = "settlement_reconciles_with_network_files"
    static let networkObligationsInvariant = "no_network_obligation_left_owed"

    func build() async -> RunReport {
        var counts = metrics.counts
        let latency = metrics.latency
        let dispatch = metrics.dispatchDelay
        let reconciliation = await system.ledger.reconcile()
        var invariants: [RunReport.InvariantResult] = []
        func check(_ name: String, _ examples: [String], count: Int? = nil) {
            let violations = count ?? examples.count
            invariants.append(
                RunReport.InvariantResult(
                    name: name, holds: violations == 0, violations: violations,
                    examples: Array(examples.prefix(5))))
        }

        // The ledger balances, per currency and per transfer.
        var ledgerProblems = reconciliation.currencies.filter { !$0.isBalanced }.map {
            "\($0.currency.code) imbalance \($0.imbalance)"
        }
        ledgerProblems += reconciliation.unbalancedTransfers.map { "transfer \($0) does not balance" }
        check(
            "ledger_balances", ledgerProblems,
            count: ledgerProblems.count
                + max(0, reconciliation.unbalancedTransferCount - reconciliation.unbalancedTransfers.count))
        let counters = system.counters
        // Authorizations whose answer was lost and that the orchestrator brought to one state:
        // by an inquiry's answer or, when inquiries could not tell, by a reversal (the
        // system's own count: the client never sees the timeout, only the outcome). After a
        // crash, the last life's.
        counts.timeoutsResolved = Int(counters.inquiries + counters.reversals)
        check("every_money_movement_booked", counters.violationExamples, count: Int(counters.ledgerRefusals))
        check(
            "refused_transitions_undone", counters.undoConflictExamples, count: Int(counters.undoConflicts))

        // Payments: none lost in a transient state, amounts within bounds.
        var lost: [String] = []
        var bounds: [String] = []
        var orphans: [String] = []
        var eventMismatches: [String] = []
        do {
            var emitted = system.events.emittedCounts()
            for record in await system.orchestrator.allPayments() {
                if let mismatch = Journey.eventMismatch(
                    record, emitted: emitted.removeValue(forKey: record.id) ?? 0)
                {
                    eventMismatches.append(mismatch)
                }
                if let orphan = await Journey.orphanedAuthorization(record, system: system) {
                    orphans.append(orphan)
                }
                let payment = record.payment
                switch payment.state {
                case .created, .requiresAction, .authorizationUnknown:
                    lost.append("\(record.id) left \(payment.state)")
                default: break
                }
                if payment.amountCapturedMinorUnits > payment.amount.minorUnits
                    || payment.amountRefundedMinorUnits > payment.amountCapturedMinorUnits
                {
                    bounds.append("\(record.id): \(payment)")
                }
            }
            // Events for a payment no held record accounts for: emitted after it was retired.
            for (id, count) in emitted.sorted(by: { $0.key < $1.key }) {
                eventMismatches.append("\(id): \(count) events emitted after it was retired")
            }
        }
        // Journeys check and retire their payments as they end; what is still held is checked here.
        let violations = metrics.violations
        for (name, found) in [
            ("no_payment_lost", lost), ("captures_within_authorized_refunds_within_captured", bounds),
            (Journey.orphanedAuthorizationInvariant, orphans),
            (Journey.oneEventPerStateChangeInvariant, eventMismatches),
        ] {
            let continuous = violations[name]
            check(name, (continuous?.examples ?? []) + found, count: (continuous?.count ?? 0) + found.count)
        }

        for name in [
            "one_charge_per_idempotency_key", "capture_of_authorized_payment", "refund_within_captured",
            "dispute_lifecycle", "merchant_onboarding", "generator", Journey.acknowledgedJournaledInvariant,
            Journey.unknownResolvedInvariant, Journey.failedNeverCapturedInvariant,
            ScenarioRunner.livenessInvariant,
        ] {
            let entry = violations[name]
            check(name, entry?.examples ?? [], count: entry?.count ?? 0)
        }
        // Any other invariant a journey reported (none is dropped for lack of a listing).
        let listed = Set(invariants.map(\.name))
        for (name, entry) in violations.sorted(by: { $0.key < $1.key }) where !listed.contains(name) {
            check(name, entry.examples, count: entry.count)
        }

        // Settlement: each merchant's ledger balance is what it earned less what it was paid.
        var settlementProblems: [String] = []
        for account in await system.merchants.allAccounts() {
            let balance = await system.ledger.balance(
                of: .merchantBalance(account.id, account.settlementCurrency)
            ).balance
            if balance != account.expectedBalance {
                settlementProblems.append(
                    "\(account.id): ledger \(balance), expected \(account.expectedBalance)")
            }
        }
        check("settlement_matches_captured_less_fees_refunds_disputes", settlementProblems)

        // Obligations towards the networks: once every journey has ended, no reversal, capture
        // or refund is still owed, and none was dropped.
        let owed = system.orchestrator.networkObligationsOwed
        let dropped = Int(system.counters.networkObligationsDropped)
        check(
            Self.networkObligationsInvariant,
            (owed > 0 ? ["\(owed) still owed to the networks"] : [])
                + (dropped > 0 ? ["\(dropped) dropped for a full table"] : []), count: owed + dropped)

        // Settlement files: every line of every network's daily file matches the ledger's
        // movements on that network's accounts (or differs for a reason the system counted: the
        // network never acknowledged the movement, a bank return not due yet), and those
        // movements are the ledger's. Not after a restart: the movement book is not journaled.
        if !hasRestarted {
            let files = await system.reconcileSettlement()
            let unexplained = await system.unexplainedSettlementMismatches(files)
            check(
                Self.settlementFilesInvariant,
                unexplained.prefix(5).map(\.description) + files.accountMismatches.prefix(5),
                count: unexplained.count + files.accountMismatches.count)
        }

        // Webhooks: every event handed over, and delivered or dead-lettered (or still retrying).
        let events = system.events.snapshot
        var webhookFigures = RunReport.WebhookFigures()
        webhookFigures.events = Int(events.emitted)
        var webhookProblems: [String] = []
        if system.webhooks != nil {
            // Every life of the dispatcher (a service crash kills one and starts another).
            var statistics = WebhookDispatcher.Statistics()
            for life in system.events.dispatcherLives() {
                let one = life.statistics()
                statistics.delivered += one.delivered
                statistics.retries += one.retries
                statistics.deadLettered += one.deadLettered
                statistics.abandoned += one.abandoned
                statistics.inFlight += one.inFlight
            }
            webhookFigures.delivered = Int(statistics.delivered)
            webhookFigures.retried = Int(statistics.retries)
            webhookFigures.deadLettered = Int(statistics.deadLettered)
            webhookFigures.pending = statistics.inFlight
            for endpoint in system.endpoints {
                webhookFigures.duplicatesIgnored += Int(endpoint.statistics().duplicates)
            }
            if events.refusedQueueFull + events.noEndpoint > 0 {
                webhookProblems.append(
                    "\(events.refusedQueueFull + events.noEndpoint) events never handed to the dispatcher")
            }
            let accounted =
                statistics.delivered + statistics.deadLettered + statistics.abandoned
                + Int64(statistics.inFlight)
            if accounted != events.enqueued {
                webhookProblems.append(
                    "enqueued \(events.enqueued), delivered+dead-lettered+abandoned+pending \(accounted)")
            }
            // Across a dispatcher's crash the counters cannot tell a lost event (abandoned, never
            // handed over again) from a delivered one: the journal can. Once the last dispatcher
            // is idle, nothing any life emitted may still be owed.
            if let owed = owedAfterServiceCrashes, statistics.inFlight == 0, let first = owed.first {
                webhookProblems.append(
                    "\(owed.count) events emitted and never delivered nor dead-lettered across the "
                        + "dispatcher's restarts, e.g. \(first.eventID) \(first.type) for \(first.merchant)")
            }
        }
        check("every_event_delivered_or_dead_lettered", webhookProblems)

        let fraudStatistics = await system.fraud.statistics()
        var fraud = RunReport.FraudFigures()
        fraud.blocked = counts.blocked
        fraud.challenged = Int(fraudStatistics.count(.requireThreeDSecure))
        fraud.reviewed = Int(fraudStatistics.count(.review))
        fraud.precision = fraudStatistics.precision ?? 0
        fraud.recall = fraudStatistics.recall ?? 0

        // The peak stage: the segment with the highest mean target rate. Achieved there is the
        // answers the system gave during it, against the arrivals that were due in it.
        var achievedPeak = 0.0
        var peakRatio = 0.0
        if let peak = scenario.load.segments.max(by: { $0.startTPS + $0.endTPS < $1.startTPS + $1.endTPS }) {
            // Answers trail their arrivals by the typical latency: compare the arrivals due in the
            // stage with the answers given in the same window shifted by the median latency.
            let shift = Int64(latency.milliseconds(atPercentile: 50) * 1_000_000)
            let due = metrics.window(peak.startNanoseconds, peak.endNanoseconds).due
            let answered = metrics.window(peak.startNanoseconds + shift, peak.endNanoseconds + shift)
                .answered
            let length = Double(peak.endNanoseconds - peak.startNanoseconds) / 1e9
            achievedPeak = length > 0 ? Double(answered) / length : 0
            peakRatio = due > 0 ? Double(answered) / Double(due) : 0
        }
        // A simulated run cannot fall behind its virtual clock: its stages are judged only when
        // the scenario names the check (realtime runs always are).
        let stages = Self.stages(
            scenario.load.segments, metrics: metrics,
            judged: mode == .realtime
                || scenario.thresholds.contains { $0.metric == .stageAnsweredToDueRatio })
        let seconds = max(1e-9, simulated.seconds)
        let peakTarget = scenario.load.peakTPS
        let tps = RunReport.Throughput(
            targetAverage: scenario.load.expectedArrivals / max(1e-9, scenario.duration.seconds),
            targetPeak: peakTarget,
            achievedAverage: Double(counts.attempted) / seconds, achievedPeak: achievedPeak,
            achievedToTargetRatio: Double(counts.attempted) / max(1, scenario.load.expectedArrivals),
            peakAnsweredToDueRatio: peakRatio)

        let lateDispatches = metrics.lateDispatches
        let balances = await system.ledger.allBalances()
        var digest: UInt64 = 0xcbf2_9ce4_8422_2325
        func fold(_ value: UInt64) { digest = (digest ^ value) &* 0x0000_0100_0000_01b3 }
        fold(await system.ledger.traceDigest())
        for snapshot in balances {
            fold(snapshot.account.owner)
            fold(snapshot.account.tag)
            fold(UInt64(bitPattern: snapshot.balance))
        }
        fold(UInt64(counts.attempted))
        fold(UInt64(counts.succeeded))

        // Thresholds are judged by the runner once the memory figures are in (`thresholds(_:in:)`).
        return RunReport(
            scenario: scenario.name, seed: scenario.seed, mode: mode.rawValue,
            durationSeconds: simulated.seconds,
            wallSeconds: 0, payments: counts, tps: tps, latencyMs: latency.summary,
            dispatchDelayMs: dispatch.summary,
            declines: metrics.declines, fraud: fraud, webhooks: webhookFigures,
            settlement: settlement.paidOut.keys.sorted().map { code in
                let currency = (try? Currency(code: code)) ?? .usd
                return RunReport.CurrencyAmount(
                    currency: code,
                    amount: Money(minorUnits: settlement.paidOut[code] ?? 0, currency: currency)
                        .decimalString,
                    payouts: settlement.payoutsByCurrency[code] ?? 0)
            },
            ledger: reconciliation.currencies.map { line in
                func text(_ value: Int128) -> String {
                    Money(minorUnits: Int64(clamping: value), currency: line.currency).decimalString
                }
                return RunReport.LedgerCurrencyFigures(
                    currency: line.currency.code, debits: text(line.debitsPosted),
                    credits: text(line.creditsPosted),
                    imbalance: text(line.imbalance), transfers: Int(line.transfers))
            },
            invariants: invariants, thresholds: [],
            generator: RunReport.GeneratorFigures(
                droppedArrivals: metrics.droppedArrivals, maxInFlight: scenario.load.maxInFlight,
                fellBehind: counts.attempted > 0 && Double(lateDispatches) / Double(counts.attempted) > 0.01,
                lateDispatches: lateDispatches, escapedJobs: 0),
            digest: Self.hex16(digest), stages: stages,
            admission: RunReport.AdmissionFigures(
                configuration: system.admission.configuration, counts: system.admission.counts,
                admittedCreateLatencyMs: metrics.admittedLatency.summary))
    }

    /// Each segment's arrivals due and how many of them were answered within the metrics'
    /// answer deadline of their intended time.
    static func stages(
        _ segments: [LoadProfile.Segment], metrics: RunMetrics, judged: Bool
    ) -> [RunReport.StageFigures] {
        segments.enumerated().map { index, segment in
            let (due, answered) = metrics.arrivals(segment.startNanoseconds, segment.endNanoseconds)
            return RunReport.StageFigures(
                stage: index + 1, startSeconds: Double(segment.startNanoseconds) / 1e9,
                endSeconds: Double(segment.endNanoseconds) / 1e9,
                targetTPS: (segment.startTPS + segment.endTPS) / 2,
                due: due, answered: answered,
                answeredToDueRatio: due > 0 ? Double(answered) / Double(due) : 1,
                judged: judged && due >= RunReport.StageFigures.minimumDueJudged)
        }
    }

    /// A digest as 16 lowercase hex digits, zero-padded: two digests compare as text only if
    /// they have one width.
    static func hex16(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Each threshold of the scenario against the finished report: called last, once every
    /// figure a threshold may name (memory included) is in it. A threshold whose figure the run
    /// does not have (memory growth of a run shorter than a minute) fails, with no value: a
    /// criterion that could not be checked is not a pass.
    static func thresholds(_ thresholds: [Threshold], in report: RunReport) -> [RunReport.ThresholdResult] {
        thresholds.map { threshold in
            let value = Self.value(of: threshold.metric, in: report)
            return RunReport.ThresholdResult(
                metric: threshold.metric.rawValue,
                condition: "\(threshold.comparison.rawValue) \(threshold.bound)",
                value: value, passed: value.map { threshold.holds(for: $0) } ?? false)
        }
    }

    static func value(of metric: Metric, in report: RunReport) -> Double? {
        let payments = report.payments
        let attempted = Double(max(1, payments.attempted))
        switch metric {
        case .authorizeP50Ms: return report.latencyMs.p50
        case .authorizeP90Ms: return report.latencyMs.p90
        case .authorizeP99Ms: return report.latencyMs.p99
        case .authorizeP999Ms: return report.latencyMs.p999
        case .authorizeMaxMs: return report.latencyMs.max
        case .dispatchDelayP99Ms: return report.dispatchDelayMs.p99
        case .declineRate: return Double(payments.declined) / attempted
        case .errorRate: return Double(payments.errors) / attempted
        case .achievedTPS: return report.tps.achievedAverage
        case .achievedToTargetRatio: return report.tps.achievedToTargetRatio
        case .fraudPrecision: return report.fraud.precision
        case .fraudRecall: return report.fraud.recall
        case .webhookDeadLetterRate:
            return Double(report.webhooks.deadLettered) / Double(max(1, report.webhooks.events))
        case .paymentsTotal: return Double(payments.attempted)
        case .memoryGrowthRatio:
            guard let memory = report.memory, let first = memory.residentMBAfterFirstMinute, first > 0 else {
                return nil
            }
            return memory.residentMBAtEnd / first
        case .rssMaxMB: return report.memory?.residentMBMax
        case .stageAnsweredToDueRatio: return report.lowestStage.ratio
        }
    }
}
