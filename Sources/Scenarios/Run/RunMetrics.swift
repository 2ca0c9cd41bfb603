import Core
import PaystormRuntime
import Synchronization

/// What the journeys report as they finish: latency histograms (HdrHistogram, bounded memory
/// however long the run) and counts. A journey reports two or three times.
///
/// A lock rather than an actor: nothing here suspends, and the generator and every journey
/// report here, so a hop there and back (two executor jobs) per report was a sixth of a run's
/// jobs.
final class RunMetrics: Sendable {
    private struct State {
        var latency = LatencyHistogram()
        /// Creates the gateway admitted, from their last attempt's sending to its answer.
        var admittedLatency = LatencyHistogram()
        /// Authorizations since the progress reporter last looked (one second of run time).
        var intervalLatency = LatencyHistogram()
        var intervalAuthorizations = 0
        /// Arrivals that got a first answer, of any kind.
        var answered = 0
        var dispatchDelay = LatencyHistogram()
        var counts = RunReport.PaymentCounts()
        var declines: [String: Int] = [:]
        var lateDispatches = 0
        var inFlight = 0
        /// Of the journeys in flight, those waiting in the timetable for their next step.
        var waiting = 0
        var droppedArrivals = 0
        /// The runtime's time when the load began: ticks count from it, as the load's stages do.
        var loadStartNanoseconds: Int64 = 0
        var violations = InvariantTally()
        var dueByTick: [Int32] = []
        var answeredByTick: [Int32] = []
        /// Arrivals answered within `answerDeadlineNanoseconds` of their intended time, counted
        /// at the arrival's tick: what a stage's arrivals got in time, however late they were
        /// dispatched.
        var answeredInTimeByTick: [Int32] = []
    }

    /// An arrival answered later than this after its intended time did not get an answer in
    /// time: its stage did not keep up.
    let answerDeadlineNanoseconds: Int64

    init(answerDeadlineNanoseconds: Int64 = 10_000_000_000) {
        self.answerDeadlineNanoseconds = answerDeadlineNanoseconds
    }

    private let state = Mutex(State())

    var latency: LatencyHistogram { state.withLock { $0.latency } }
    var dispatchDelay: LatencyHistogram { state.withLock { $0.dispatchDelay } }
    var admittedLatency: LatencyHistogram { state.withLock { $0.admittedLatency } }
    var counts: RunReport.PaymentCounts { state.withLock { $0.counts } }
    var declines: [String: Int] { state.withLock { $0.declines } }
    var lateDispatches: Int { state.withLock { $0.lateDispatches } }
    var inFlight: Int { state.withLock { $0.inFlight } }
    /// The journeys in flight and, of them, those waiting for their next step.
    var inFlightAndWaiting: (inFlight: Int, waiting: Int) { state.withLock { ($0.inFlight, $0.waiting) } }
    var violations: InvariantTally { state.withLock { $0.violations } }

    /// Arrivals due and first answers given, per 100 ms of the run: what was offered and what
    /// the system answered during any window (the peak stage, for the achieved-TPS figure).
    static let tickNanoseconds: Int64 = 100_000_000
    /// Ticks kept: a week of run time, whatever the scenario says (bounded memory).
    static let ticksMax = 7 * 24 * 36_000

    /// An arrival sent as a journey: due at its intended time whether or not the journey ever
    /// records an outcome (one still retrying when the run gives up is due and not answered).
    func dispatched(intendedNanoseconds: Int64, delayNanoseconds: Int64, late: Bool) {
        state.withLock { state in
            state.dispatchDelay.record(nanoseconds: max(0, delayNanoseconds))
            if late { state.lateDispatches += 1 }
            state.inFlight += 1
            state.counts.attempted += 1
            Self.count(intendedNanoseconds - state.loadStartNanoseconds, in: &state.dueByTick)
        }
    }

    func authorized(latencyNanoseconds: Int64) {
        state.withLock { Self.recordLatency(latencyNanoseconds, in: &$0) }
    }

    private static func recordLatency(_ nanoseconds: Int64, in state: inout State) {
        state.latency.record(nanoseconds: max(0, nanoseconds))
        state.intervalLatency.record(nanoseconds: max(0, nanoseconds))
        state.intervalAuthorizations += 1
    }

    func finished() { state.withLock { $0.inFlight -= 1 } }

    /// A journey went to the timetable to wait for its next step.
    func startedWaiting() { state.withLock { $0.waiting += 1 } }

    /// A journey came back from the timetable for its next step.
    func stoppedWaiting() { state.withLock { $0.waiting -= 1 } }

    /// Where the load's clock starts (a run may onboard merchants or resume before it).
    func loadStarted(atNanoseconds start: Int64) { state.withLock { $0.loadStartNanoseconds = start } }

    /// An arrival the generator dropped at the in-flight bound: due, never answered.
    func dropped(intendedNanoseconds: Int64) {
        state.withLock {
            $0.droppedArrivals += 1
            Self.count(intendedNanoseconds - $0.loadStartNanoseconds, in: &$0.dueByTick)
        }
    }

    var droppedArrivals: Int { state.withLock { $0.droppedArrivals } }

    /// A journey's whole outcome (the runner marks it finished with `finished()`).
    func record(_ outcome: JourneyOutcome) {
        state.withLock { state in
            if let latency = outcome.latencyNanoseconds { Self.recordLatency(latency, in: &state) }
            if let latency = outcome.admittedLatencyNanoseconds {
                state.admittedLatency.record(nanoseconds: max(0, latency))
            }
            if outcome.answeredNanoseconds != nil { state.answered += 1 }
            state.counts.add(outcome.counts)
            if let code = outcome.declineCode { state.declines[code, default: 0] += 1 }
            for (invariant, example) in outcome.violations { state.violations.add(invariant, example) }
            let start = state.loadStartNanoseconds
            if let answered = outcome.answeredNanoseconds {
                Self.count(answered - start, in: &state.answeredByTick)
                if answered - outcome.intendedNanoseconds <= answerDeadlineNanoseconds {
                    Self.count(outcome.intendedNanoseconds - start, in: &state.answeredInTimeByTick)
                }
            }
        }
    }

    private static func count(_ nanoseconds: Int64, in ticks: inout [Int32]) {
        let tick = Int(max(0, nanoseconds) / tickNanoseconds)
        guard tick < ticksMax else { return }
        if tick >= ticks.count { ticks.append(contentsOf: repeatElement(0, count: tick + 1 - ticks.count)) }
        ticks[tick] += 1
    }

    /// Arrivals due in [start, end) of run time and how many of them were answered in time.
    func arrivals(_ start: Int64, _ end: Int64) -> (due: Int, answeredInTime: Int) {
        state.withLock { (Self.sum($0.dueByTick, start, end), Self.sum($0.answeredInTimeByTick, start, end)) }
    }

    private static func sum(_ ticks: [Int32], _ start: Int64, _ end: Int64) -> Int {
        let from = Int(start / tickNanoseconds)
        let to = min(ticks.count, Int(end / tickNanoseconds))
        return from < to ? ticks[from..<to].reduce(0) { $0 + Int($1) } : 0
    }

    /// Arrivals due and answers given in [start, end) of run time.
    func window(_ start: Int64, _ end: Int64) -> (due: Int, answered: Int) {
        func sum(_ ticks: [Int32]) -> Int {
            let from = Int(start / Self.tickNanoseconds)
            let to = min(ticks.count, Int(end / Self.tickNanoseconds))
            return from < to ? ticks[from..<to].reduce(0) { $0 + Int($1) } : 0
        }
        return state.withLock { (sum($0.dueByTick), sum($0.answeredByTick)) }
    }

    func count(_ change: @Sendable (inout RunReport.PaymentCounts) -> Void) {
        state.withLock { change(&$0.counts) }
    }

    func declined(_ code: String) { state.withLock { $0.declines[code, default: 0] += 1 } }

    func violation(_ invariant: Invariant, _ example: String) {
        state.withLock { $0.violations.add(invariant, example) }
    }

    /// What the progress reporter reads once a second of run time; the interval's latencies
    /// start afresh after it.
    func takeSnapshot() -> ProgressSnapshot {
        state.withLock { state in
            defer {
                state.intervalLatency = LatencyHistogram()
                state.intervalAuthorizations = 0
            }
            return ProgressSnapshot(
                latency: state.latency, interval: state.intervalLatency,
                intervalAuthorizations: state.intervalAuthorizations, attempted: state.counts.attempted,
                answered: state.answered, inFlight: state.inFlight, waiting: state.waiting,
                declined: state.counts.declined,
                rateLimited: state.counts.rateLimited,
                violations: state.violations.total, counts: state.counts,
                declines: state.declines, droppedArrivals: state.droppedArrivals)
        }
    }

    struct ProgressSnapshot {
        var latency: LatencyHistogram
        var interval: LatencyHistogram
        var intervalAuthorizations: Int
        var attempted: Int
        var answered: Int
        var inFlight: Int
        var waiting: Int
        var declined: Int
        var rateLimited: Int
        var violations: Int
        var counts: RunReport.PaymentCounts
        var declines: [String: Int]
        var droppedArrivals: Int
    }
}

/// The API keys of the merchants the run has onboarded. A merchant is onboarded by its first
/// journey; journeys that arrive while that is in flight wait for it rather than onboarding
/// twice (check-then-act across an await is the reentrancy bug this guards against).
///
/// A key that could not be had (nil) or an onboarding the runner shed is not kept: the
/// merchant's next journey onboards it again.
///
/// A lock rather than an actor: every journey asks here first, and most find their merchant's
/// key, which a lock answers without the hop there and back (two executor jobs) an actor costs.
final class KeyRing: Sendable {
    typealias Onboarding = Result<String?, ShedByRunner>
    private struct State {
        var keys: [MerchantID: String] = [:]
        /// Journeys waiting for their merchant's onboarding in flight.
        var waiting: [MerchantID: [CheckedContinuation<Onboarding?, Never>]] = [:]
    }
    private let state = Mutex(State())

    func key(
        for merchant: MerchantID, onboard: @Sendable () async -> Onboarding
    ) async -> Onboarding {
        enum Found { case key(String), onboarding, onboard }
        while true {
            let found = state.withLock { state -> Found in
                if let key = state.keys[merchant] { return .key(key) }
                if state.waiting[merchant] != nil { return .onboarding }
                state.waiting[merchant] = []
                return .onboard
            }
            switch found {
            case .key(let key):
                return .success(key)
            case .onboarding:
                let waited = await withCheckedContinuation { continuation in
                    let queued = state.withLock { state in
                        guard state.waiting[merchant] != nil else { return false }
                        state.waiting[merchant]!.append(continuation)
                        return true
                    }
                    // The onboarding ended between the two locks (another thread): ask again.
                    if !queued { continuation.resume(returning: nil) }
                }
                if let waited { return waited }
            case .onboard:
                let onboarding = await onboard()
                let waiters = state.withLock { state in
                    if case .success(let key) = onboarding { state.keys[merchant] = key }
                    return state.waiting.removeValue(forKey: merchant) ?? []
                }
                for waiter in waiters { waiter.resume(returning: onboarding) }
                return onboarding
            }
        }
    }
}
