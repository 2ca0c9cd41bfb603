import Core
import PaystormRuntime

/// What the journeys report as they finish: latency histograms (HdrHistogram, bounded memory
/// however long the run) and counts. One actor; a journey reports once or twice.
actor RunMetrics {
    private(set) var latency = LatencyHistogram()
    private(set) var dispatchDelay = LatencyHistogram()
    private(set) var counts = RunReport.PaymentCounts()
    private(set) var declines: [String: Int] = [:]
    private(set) var lateDispatches = 0
    private(set) var inFlight = 0
    private(set) var violations: [String: (count: Int, examples: [String])] = [:]
    /// Arrivals dispatched per stage, to compare with the stage's target.
    private(set) var completedAt: [Int64] = []

    func dispatched(delayNanoseconds: Int64, late: Bool) {
        dispatchDelay.record(nanoseconds: max(0, delayNanoseconds))
        if late { lateDispatches += 1 }
        inFlight += 1
        counts.attempted += 1
    }

    func authorized(latencyNanoseconds: Int64) {
        latency.record(nanoseconds: max(0, latencyNanoseconds))
    }

    func finished() { inFlight -= 1 }

    /// A journey's whole outcome (the runner marks it finished with `finished()`).
    func record(_ outcome: JourneyOutcome) {
        if let latency = outcome.latencyNanoseconds { self.latency.record(nanoseconds: max(0, latency)) }
        counts.add(outcome.counts)
        if let code = outcome.declineCode { declines[code, default: 0] += 1 }
        for (invariant, example) in outcome.violations { violation(invariant, example) }
    }

    func count(_ change: @Sendable (inout RunReport.PaymentCounts) -> Void) { change(&counts) }

    func declined(_ code: String) { declines[code, default: 0] += 1 }

    func violation(_ invariant: String, _ example: String) {
        var entry = violations[invariant] ?? (0, [])
        entry.count += 1
        if entry.examples.count < 5 { entry.examples.append(example) }
        violations[invariant] = entry
    }

    var snapshot: (latency: LatencyHistogram, attempted: Int, inFlight: Int, violations: Int) {
        (latency, counts.attempted, inFlight, violations.values.reduce(0) { $0 + $1.count })
    }
}

/// The API keys of the merchants the run has onboarded. A merchant is onboarded by its first
/// journey; journeys that arrive while that is in flight wait for it rather than onboarding
/// twice (check-then-act across an await is the reentrancy bug this guards against).
actor KeyRing {
    private var keys: [MerchantID: String] = [:]
    private var waiting: [MerchantID: [CheckedContinuation<String?, Never>]] = [:]

    func key(
        for merchant: MerchantID, onboard: @Sendable () async -> String?
    ) async -> String? {
        if let key = keys[merchant] { return key }
        if waiting[merchant] != nil {
            return await withCheckedContinuation { waiting[merchant]!.append($0) }
        }
        waiting[merchant] = []
        let key = await onboard()
        keys[merchant] = key
        for waiter in waiting.removeValue(forKey: merchant) ?? [] { waiter.resume(returning: key) }
        return key
    }
}
