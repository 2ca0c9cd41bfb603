import Core
import Services

/// The report of a run over the wire, from what its clients saw: counts, latency, throughput
/// per stage, and the invariants the journeys checked from outside. Nothing here reads the
/// server's state; the digest folds only the counts (a realtime run over sockets is not
/// reproducible to the byte).
struct WireReportBuilder {
    let scenario: Scenario
    let metrics: RunMetrics
    let simulated: Duration
    let targetName: String

    /// The invariants a journey over the wire checks, listed even when they hold.
    static let clientInvariants: [Invariant] = [
        .acknowledgedPaymentRetrievableAsTold, .refundsListedWithinCaptured, .oneChargePerIdempotencyKey,
        .captureOfAuthorizedPayment, .refundWithinCaptured, .merchantOnboarding, .generator,
        .unknownOutcomeResolvesToOneState, .failedPaymentNeverCaptured, .everyPaymentSettlesAfterHeal,
    ]

    /// Whether a threshold's figure exists over the wire: the server's fraud figures and the
    /// runner's memory are not the client's to judge; webhook figures are, with a receiver.
    static func judgedOverTheWire(_ metric: Metric, webhooks: Bool) -> Bool {
        switch metric {
        case .fraudPrecision, .fraudRecall, .rssMaxMegabytes, .memoryGrowthRatio: false
        case .webhookDeadLetterRate: webhooks
        default: true
        }
    }

    func build() -> RunReport {
        let counts = metrics.counts
        let latency = metrics.latency
        var tally = metrics.violations
        for invariant in Self.clientInvariants { tally.list(invariant) }
        let invariants = tally.results
        let tps = ReportBuilder.throughput(
            scenario, metrics: metrics, attempted: counts.attempted, simulated: simulated)
        var digest: UInt64 = 0xcbf2_9ce4_8422_2325
        for value in [counts.attempted, counts.succeeded, counts.declined, counts.errors] {
            digest = (digest ^ UInt64(value)) &* 0x0000_0100_0000_01b3
        }
        let lateDispatches = metrics.lateDispatches
        var fraud = RunReport.FraudFigures()
        fraud.blocked = counts.blocked
        return RunReport(
            scenario: scenario.name, seed: scenario.seed, mode: RunMode.realtime.rawValue,
            durationSeconds: simulated.seconds, wallSeconds: 0, payments: counts, tps: tps,
            latencyMilliseconds: latency.summary, dispatchDelayMilliseconds: metrics.dispatchDelay.summary,
            declines: metrics.declines, fraud: fraud, webhooks: RunReport.WebhookFigures(),
            settlement: [], ledger: [], invariants: invariants, thresholds: [],
            generator: RunReport.GeneratorFigures(
                droppedArrivals: metrics.droppedArrivals, maxInFlight: scenario.load.maxInFlight,
                fellBehind: counts.attempted > 0 && Double(lateDispatches) / Double(counts.attempted) > 0.01,
                lateDispatches: lateDispatches, escapedJobs: 0),
            digest: ReportBuilder.hex16(digest),
            stages: ReportBuilder.stages(scenario.load.segments, metrics: metrics, judged: true))
    }
}
