import Core
import PaystormRuntime

/// The open-model load generator: arrivals at their intended times whatever the system does,
/// each played by a journey of its own, and dropped (counted, never sent) beyond the bound of
/// journeys in flight. The same for a run in process and over the wire.
struct LoadGenerator: Sendable {
    let scenario: Scenario
    let planner: JourneyPlanner
    let journey: Journey
    let metrics: RunMetrics
    let runtime: any Runtime
    /// Journeys in flight beyond which an arrival is dropped; nil bounds nothing.
    var inFlightBound: Int?
    /// How many journeys waiting for their next step count as one against the bound: 1 for a
    /// bound the scenario sets (journeys, as k6 counts its virtual users asleep or not); for the
    /// default, which stands for memory, what one that sends costs over what one waiting costs
    /// (`InFlightBudget.waitingJourneysPerJourney`).
    var waitingJourneysPerJourney = 1
    /// A dispatch later than this behind its intended time counts as late (the generator, not
    /// the system, fell behind, and the run says so); 0 counts none.
    var lateAfterNanoseconds: Int64 = 0
    /// The generator wakes at most once per this interval and sends every arrival due by then
    /// (0: a timer per arrival). An arrival is sent at most this late; its latency still counts
    /// from its intended time.
    var wakeIntervalNanoseconds: Int64 = 0

    /// Sends every arrival of the scenario's load, from `start` on; returns once the last one
    /// is dispatched (its journey runs on).
    func run(start: SimTime) async {
        var arrivals = ArrivalProcess(profile: scenario.load, random: runtime.randomStream("arrivals"))
        var random = runtime.randomStream("journeys")
        var number = 0
        var wokeNanoseconds = Int64.min / 2
        while let offset = arrivals.next() {
            let intended = SimTime(nanoseconds: start.nanoseconds + offset.nanoseconds)
            if runtime.now() < intended {
                let wake = max(intended.nanoseconds, wokeNanoseconds + wakeIntervalNanoseconds)
                try? await runtime.sleep(until: SimTime(nanoseconds: wake))
                wokeNanoseconds = runtime.now().nanoseconds
            }
            number += 1
            // Drawn whether or not the arrival is sent, so that a drop does not change the
            // journeys of the arrivals after it.
            let plan = planner.plan(number, intended: intended, random: &random)
            if let inFlightBound, isFull(inFlightBound) {
                metrics.dropped(intendedNanoseconds: intended.nanoseconds)
                continue
            }
            let delay = runtime.now().nanoseconds - intended.nanoseconds
            metrics.dispatched(
                intendedNanoseconds: intended.nanoseconds, delayNanoseconds: delay,
                late: lateAfterNanoseconds > 0 && delay > lateAfterNanoseconds)
            let journey = self.journey
            // The journey counts itself finished at its end (it may go on in another task).
            runtime.spawn { await journey.run(plan) }
        }
    }

    private func isFull(_ bound: Int) -> Bool {
        let (inFlight, waiting) = metrics.inFlightAndWaiting
        return Self.isFull(
            bound, inFlight: inFlight, waiting: waiting, waitingPerJourney: waitingJourneysPerJourney)
    }

    /// Whether `inFlight` journeys, `waiting` of them for their next step, fill `bound`.
    static func isFull(_ bound: Int, inFlight: Int, waiting: Int, waitingPerJourney: Int) -> Bool {
        inFlight - waiting + waiting / max(1, waitingPerJourney) >= bound
    }
}
