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
    /// Arrivals due and first answers given, per 100 ms of the run: what was offered and what
    /// the system answered during any window (the peak stage, for the achieved-TPS figure).
    private(set) var dueByTick: [Int32] = []
    private(set) var answeredByTick: [Int32] = []
    static let tickNanoseconds: Int64 = 100_000_000
    /// Ticks kept: a week of run time, whatever the scenario says (bounded memory).
    static let ticksMax = 7 * 24 * 36_000

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
        Self.count(outcome.intendedNanoseconds, in: &dueByTick)
        if let answered = outcome.answeredNanoseconds { Self.count(answered, in: &answeredByTick) }
    }

    private static func count(_ nanoseconds: Int64, in ticks: inout [Int32]) {
        let tick = Int(max(0, nanoseconds) / tickNanoseconds)
        guard tick < ticksMax else { return }
        if tick >= ticks.count { ticks.append(contentsOf: repeatElement(0, count: tick + 1 - ticks.count)) }
        ticks[tick] += 1
    }

    /// Arrivals due and answers given in [start, end) of run time.
    func window(_ start: Int64, _ end: Int64) -> (due: Int, answered: Int) {
        func sum(_ ticks: [Int32]) -> Int {
            let from = Int(start / Self.tickNanoseconds)
            let to = min(ticks.count, Int(end / Self.tickNanoseconds))
            return from < to ? ticks[from..<to].reduce(0) { $0 + Int($1) } : 0
        }
        return (sum(dueByTick), sum(answeredByTick))
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
