import Core
import Ledger
import PaystormRuntime
import Services

/// Assembles the report of a run in process: the invariant checker's results, and the figures
/// (counts, throughput per stage, latency, webhooks, fraud, settlement, the ledger, the digest).
struct ReportBuilder {
    let scenario: Scenario
    let mode: RunMode
    let system: PaymentSystem
    let metrics: RunMetrics
    let settlement: SettlementSummary
    let simulated: Duration
    /// Where the journeys put each retired payment's movements of its merchant's balance.
    let expectedBalances: ExpectedMerchantBalances
    /// Whether the system crashed and was rebuilt from its journal during the run.
    var hasRestarted = false
    /// When a service crashed during the run: the events the journal shows owed at the end
    /// (emitted, never settled), read after the last dispatcher went idle.
    var owedAfterServiceCrashes: [PendingWebhook]? = nil

    func build() async -> RunReport {
        var counts = metrics.counts
        let latency = metrics.latency
        let dispatch = metrics.dispatchDelay
        let reconciliation = await system.ledger.reconcile()
        let balances = await system.ledger.allBalances()
        let invariants = await InvariantChecker(
            system: system, metrics: metrics, expectedBalances: expectedBalances,
            reconciliation: reconciliation, balances: balances, hasRestarted: hasRestarted,
            owedAfterServiceCrashes: owedAfterServiceCrashes
        ).check()
        // Authorizations whose answer was lost and that the orchestrator brought to one state:
        // by an inquiry's answer or, when inquiries could not tell, by a reversal (the
        // system's own count: the client never sees the timeout, only the outcome). After a
        // crash, the last life's.
        let counters = system.counters
        counts.timeoutsResolved = Int(counters.inquiries + counters.reversals)
        let webhookFigures = Self.webhookFigures(system)

        let fraud = await Self.fraudFigures(system, blocked: counts.blocked)
        // A simulated run cannot fall behind its virtual clock: its stages are judged only when
        // the scenario names the check (realtime runs always are).
        let stages = Self.stages(
            scenario.load.segments, metrics: metrics,
            judged: mode == .realtime
                || scenario.thresholds.contains { $0.metric == .stageAnsweredToDueRatio })
        let tps = Self.throughput(
            scenario, metrics: metrics, attempted: counts.attempted, simulated: simulated)
        let lateDispatches = metrics.lateDispatches
        let digest = Self.digest(
            traceDigest: await system.ledger.traceDigest(), balances: balances, counts: counts)
        // Thresholds are judged by the runner once the memory figures are in (`thresholds(_:in:)`).
        return RunReport(
            scenario: scenario.name, seed: scenario.seed, mode: mode.rawValue,
            durationSeconds: simulated.seconds,
            wallSeconds: 0, payments: counts, tps: tps, latencyMilliseconds: latency.summary,
            dispatchDelayMilliseconds: dispatch.summary,
            declines: metrics.declines, fraud: fraud, webhooks: webhookFigures,
            settlement: Self.payouts(settlement), ledger: Self.ledgerFigures(reconciliation),
            invariants: invariants, thresholds: [],
            generator: RunReport.GeneratorFigures(
                droppedArrivals: metrics.droppedArrivals, maxInFlight: scenario.load.maxInFlight,
                fellBehind: counts.attempted > 0 && Double(lateDispatches) / Double(counts.attempted) > 0.01,
                lateDispatches: lateDispatches, escapedJobs: 0),
            digest: Self.hex16(digest), stages: stages,
            admission: RunReport.AdmissionFigures(
                configuration: system.admission.configuration, counts: system.admission.counts,
                admittedCreateLatencyMilliseconds: metrics.admittedLatency.summary))
    }

    /// The run's digest: the ledger's commit order, every account's balance and the counts of
    /// attempted and succeeded payments, folded with FNV-1a. Equal digests mean equal runs.
    static func digest(
        traceDigest: UInt64, balances: [AccountSnapshot], counts: RunReport.PaymentCounts
    ) -> UInt64 {
        var digest: UInt64 = 0xcbf2_9ce4_8422_2325
        func fold(_ value: UInt64) { digest = (digest ^ value) &* 0x0000_0100_0000_01b3 }
        fold(traceDigest)
        for snapshot in balances {
            fold(snapshot.account.owner)
            fold(snapshot.account.tag)
            fold(UInt64(bitPattern: snapshot.balance))
        }
        fold(UInt64(counts.attempted))
        fold(UInt64(counts.succeeded))
        return digest
    }

    /// The fraud engine's figures: what it blocked, challenged and sent to review, and how well.
    static func fraudFigures(_ system: PaymentSystem, blocked: Int) async -> RunReport.FraudFigures {
        let statistics = await system.fraud.statistics()
        var fraud = RunReport.FraudFigures()
        fraud.blocked = blocked
        fraud.challenged = Int(statistics.count(.requireThreeDSecure))
        fraud.reviewed = Int(statistics.count(.review))
        fraud.precision = statistics.precision ?? 0
        fraud.recall = statistics.recall ?? 0
        return fraud
    }

    /// Throughput against the target: on average, and in the peak stage (the segment with the
    /// highest mean target rate), where achieved is the answers the system gave during it
    /// against the arrivals that were due in it.
    static func throughput(
        _ scenario: Scenario, metrics: RunMetrics, attempted: Int, simulated: Duration
    ) -> RunReport.Throughput {
        var achievedPeak = 0.0
        var peakRatio = 0.0
        if let peak = scenario.load.segments.max(by: { $0.startTPS + $0.endTPS < $1.startTPS + $1.endTPS }) {
            // Answers trail their arrivals by the typical latency: compare the arrivals due in the
            // stage with the answers given in the same window shifted by the median latency.
            let shift = Int64(metrics.latency.milliseconds(atPercentile: 50) * 1_000_000)
            let due = metrics.window(peak.startNanoseconds, peak.endNanoseconds).due
            let answered = metrics.window(peak.startNanoseconds + shift, peak.endNanoseconds + shift).answered
            let length = Double(peak.endNanoseconds - peak.startNanoseconds) / 1e9
            achievedPeak = length > 0 ? Double(answered) / length : 0
            peakRatio = due > 0 ? Double(answered) / Double(due) : 0
        }
        return RunReport.Throughput(
            targetAverage: scenario.load.expectedArrivals / max(1e-9, scenario.duration.seconds),
            targetPeak: scenario.load.peakTPS,
            achievedAverage: Double(attempted) / max(1e-9, simulated.seconds), achievedPeak: achievedPeak,
            achievedToTargetRatio: Double(attempted) / max(1, scenario.load.expectedArrivals),
            peakAnsweredToDueRatio: peakRatio)
    }

    /// What settlement paid out per currency, as decimal text.
    static func payouts(_ settlement: SettlementSummary) -> [RunReport.CurrencyAmount] {
        settlement.paidOut.keys.sorted().map { code in
            let currency = (try? Currency(code: code)) ?? .usd
            return RunReport.CurrencyAmount(
                currency: code,
                amount: Money(minorUnits: settlement.paidOut[code] ?? 0, currency: currency).decimalString,
                payouts: settlement.payoutsByCurrency[code] ?? 0)
        }
    }

    /// The ledger's totals per currency, as decimal text.
    static func ledgerFigures(_ reconciliation: LedgerReconciliation) -> [RunReport.LedgerCurrencyFigures] {
        reconciliation.currencies.map { line in
            func text(_ value: Int128) -> String {
                Money(minorUnits: Int64(clamping: value), currency: line.currency).decimalString
            }
            return RunReport.LedgerCurrencyFigures(
                currency: line.currency.code, debits: text(line.debitsPosted),
                credits: text(line.creditsPosted),
                imbalance: text(line.imbalance), transfers: Int(line.transfers))
        }
    }

    /// The webhook figures: events emitted, and what every life of the dispatcher did with them.
    static func webhookFigures(_ system: PaymentSystem) -> RunReport.WebhookFigures {
        var figures = RunReport.WebhookFigures()
        figures.events = Int(system.events.snapshot.emitted)
        guard system.webhooks != nil else { return figures }
        let statistics = InvariantChecker.webhookStatistics(system)
        figures.delivered = Int(statistics.delivered)
        figures.retried = Int(statistics.retries)
        figures.deadLettered = Int(statistics.deadLettered)
        figures.pending = statistics.inFlight
        for endpoint in system.endpoints {
            figures.duplicatesIgnored += Int(endpoint.statistics().duplicates)
        }
        return figures
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
        case .authorizeP50Milliseconds: return report.latencyMilliseconds.p50
        case .authorizeP90Milliseconds: return report.latencyMilliseconds.p90
        case .authorizeP99Milliseconds: return report.latencyMilliseconds.p99
        case .authorizeP999Milliseconds: return report.latencyMilliseconds.p999
        case .authorizeMaxMilliseconds: return report.latencyMilliseconds.max
        case .dispatchDelayP99Milliseconds: return report.dispatchDelayMilliseconds.p99
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
        case .rssMaxMegabytes: return report.memory?.residentMBMax
        case .stageAnsweredToDueRatio: return report.lowestStage.ratio
        }
    }
}
