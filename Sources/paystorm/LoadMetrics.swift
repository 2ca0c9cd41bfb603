import Metrics
import Scenarios
import Synchronization

/// The runner's own figures as swift-metrics handles, for `/metrics` during a realtime run
/// (`paystorm run --metrics-address`): what a capacity engineer watches to see a run fall
/// behind while it happens, as the summary's SATURATED says it afterwards.
///
/// - `paystorm_journeys_in_flight` and `paystorm_journeys_waiting` (of those, the ones waiting
///   for their next step, a later capture or refund): gauges.
/// - `paystorm_arrivals_total{result}`: arrivals the load profile made due, `dispatched` (a
///   journey started) or `dropped` (at the in-flight bound, never sent).
/// - `paystorm_arrivals_answered_total`: dispatched arrivals that got a first answer (any
///   answer). `rate(answered) / sum(rate(arrivals_total))` is the answered-to-due ratio the
///   verdict reads per stage.
///
/// Fed from each second's `RunProgress`, whose counts are the run's totals so far: a counter
/// moves by the difference since the previous report. Their `# HELP` lines are
/// `MetricsExposition.help`'s.
final class LoadMetrics: Sendable {
    private let inFlight = Gauge(label: "paystorm_journeys_in_flight")
    private let waiting = Gauge(label: "paystorm_journeys_waiting")
    private let dispatched = Counter(label: "paystorm_arrivals_total", dimensions: [("result", "dispatched")])
    private let dropped = Counter(label: "paystorm_arrivals_total", dimensions: [("result", "dropped")])
    private let answered = Counter(label: "paystorm_arrivals_answered_total")
    /// The totals the counters were last moved to: dispatched, dropped, answered.
    private let reported = Mutex((0, 0, 0))

    func record(_ progress: RunProgress) {
        inFlight.record(progress.inFlight)
        waiting.record(progress.waiting)
        let totals = (progress.attempted, progress.droppedArrivals, progress.answered)
        let before = reported.withLock { reported in
            defer { reported = totals }
            return reported
        }
        Self.move(dispatched, from: before.0, to: totals.0)
        Self.move(dropped, from: before.1, to: totals.1)
        Self.move(answered, from: before.2, to: totals.2)
    }

    private static func move(_ counter: Counter, from before: Int, to total: Int) {
        if total > before { counter.increment(by: total - before) }
    }
}
