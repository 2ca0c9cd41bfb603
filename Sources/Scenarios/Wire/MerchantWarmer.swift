import Core
import PaystormRuntime

/// Onboards each arrival's merchant a little before the arrival, in a run over the wire.
///
/// On a Black Friday the merchants were onboarded long before their customers came; a runner
/// that onboards a merchant when its first payment arrives puts two requests of its own set-up
/// (`POST /admin/merchants`, `POST /v1/webhook_endpoints`) on that payment's path, three round
/// trips before its answer instead of one, and a loaded server made the payment late for the
/// runner's sake. The warmer makes the same plans as the load generator, from the same random
/// streams in the same order (so the same merchants), `aheadNanoseconds` earlier, and onboards
/// each plan's merchant through the journeys' own `KeyRing`: the journey then finds its key,
/// or waits for the onboarding still in flight. The requests are the same; only their time moves
/// (but an arrival the generator drops beyond a scenario's in-flight bound had its merchant
/// onboarded all the same).
struct MerchantWarmer: Sendable {
    let scenario: Scenario
    let planner: JourneyPlanner
    let journey: Journey
    let runtime: any Runtime
    /// How long before its arrival a merchant is onboarded.
    var aheadNanoseconds: Int64 = 2_000_000_000
    /// The warmer wakes at most once per this interval, as the generator does.
    var wakeIntervalNanoseconds: Int64 = 1_000_000

    /// Onboards every arrival's merchant, from `aheadNanoseconds` before the load's `start`.
    func run(start: SimTime) async {
        var arrivals = ArrivalProcess(profile: scenario.load, random: runtime.randomStream("arrivals"))
        var random = runtime.randomStream("journeys")
        var number = 0
        var wokeNanoseconds = Int64.min / 2
        while let offset = arrivals.next() {
            let intended = SimTime(nanoseconds: start.nanoseconds + offset.nanoseconds)
            let due = intended.nanoseconds - aheadNanoseconds
            if runtime.now().nanoseconds < due {
                try? await runtime.sleep(
                    until: SimTime(nanoseconds: max(due, wokeNanoseconds + wakeIntervalNanoseconds)))
                wokeNanoseconds = runtime.now().nanoseconds
            }
            number += 1
            // Drawn as the generator draws it, so that the arrivals after it draw alike.
            let plan = planner.plan(number, intended: intended, random: &random)
            let journey = self.journey
            runtime.spawn {
                // Shed or refused: the journey onboards its merchant itself when it comes.
                _ = try? await journey.apiKey(for: plan.merchant, settlement: plan.settlementCurrency)
            }
        }
    }
}
