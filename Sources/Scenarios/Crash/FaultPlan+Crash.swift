import PaystormRuntime

extension FaultPlan {
    /// How long the process stays down after a crash before its next life serves.
    public static let restartDelay: Duration = .seconds(1)

    /// The instants, as offsets from the run's start, at which the process crashes: one per
    /// `crash` fault that is on, drawn uniformly in its window (exactly `start` without a
    /// duration), in order; crashes after the load's end are dropped (the run is healing then).
    ///
    /// Drawn from their own stream ("fault-crashes"), so that adding a crash to a scenario does
    /// not move its other faults.
    public func crashInstants(loadEnd: Duration) -> [Duration] {
        var random = RandomStream(seed: seed).derived("fault-crashes")
        var instants: [Duration] = []
        for fault in faults where fault.kind == .crash {
            let unit = random.nextUnit()
            let end = min(fault.end ?? fault.start, loadEnd)
            guard fault.start < loadEnd else { continue }
            let span = max(Duration.zero, end - fault.start)
            let offset = Duration.nanoseconds(Int64(Double(span.nanoseconds) * unit))
            instants.append(fault.start + offset)
        }
        return instants.sorted()
    }
}
