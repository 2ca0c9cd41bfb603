import Core
import PaystormRuntime
import Services

/// The liveness phase: with every fault healed, the journeys in flight get `bound` of run time
/// to end. One still at a request (or a final read) when it runs out is a violation naming its
/// payment; one sleeping until its plan's next step is in a well-defined wait and is waited for
/// until that step is due (plus `bound` again). Then the journeys still retrying are told to
/// give up, and the run goes on to its checks: never a hang.
struct LivenessPhase {
    let live: LiveJourneys
    let metrics: RunMetrics
    let host: SystemHost
    let runtime: any Runtime
    let bound: Duration

    /// How often the phase looks at the journeys still in flight.
    static let pollInterval: Duration = .milliseconds(20)

    func run() async {
        var deadline = runtime.now() + bound
        await waitForJourneys(until: deadline)
        var reported: Set<Int> = []
        while metrics.inFlight > 0 {
            guard let waitingUntil = reportOverdue(&reported) else { break }
            deadline = waitingUntil + bound
            await waitForJourneys(until: deadline)
        }
        live.close()
    }

    private func waitForJourneys(until deadline: SimTime) async {
        while metrics.inFlight > 0, runtime.now() < deadline {
            try? await runtime.sleep(for: Self.pollInterval)
        }
    }

    /// Names each journey still at a request as a violation (once) and counts every journey
    /// past the bound (once); returns the latest time a journey in a well-defined wait waits
    /// until, nil when none does.
    private func reportOverdue(_ reported: inout Set<Int>) -> SimTime? {
        var waitingUntil: SimTime?
        for (number, entry) in live.snapshot where !reported.contains(number) {
            // A journey's negative number marks it counted as past the bound.
            if !reported.contains(-number - 1) {
                reported.insert(-number - 1)
                live.notePastBound()
            }
            if let until = entry.waitingUntil, until >= runtime.now() {
                waitingUntil = max(waitingUntil ?? until, until)
                continue
            }
            reported.insert(number)
            var state = "no payment"
            if let id = entry.payment {
                state = host.system.paymentNow(id).map { "\($0.payment.state)" } ?? "not held"
            }
            metrics.violation(
                .everyPaymentSettlesAfterHeal,
                "\(entry.payment?.description ?? entry.key) (\(entry.key)) at \(entry.step), \(state), "
                    + "\(DurationText.format(bound)) after the heal")
        }
        return waitingUntil
    }
}
