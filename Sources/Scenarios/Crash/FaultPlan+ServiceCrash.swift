import PaystormRuntime

extension FaultPlan {
    /// One crash of one service, and how long it stays down.
    public struct ServiceCrash: Sendable, Equatable {
        public var service: FaultSpec.Service
        /// Offset from the run's start.
        public var at: Duration
        public var restartAfter: Duration
    }

    /// The `service_crash` faults that are on, each at an instant drawn uniformly in its window
    /// (exactly `start` without a duration) with a downtime drawn in its bounds, in order of
    /// time; crashes at or after the load's end are dropped (the run is healing then).
    ///
    /// Drawn from their own stream ("fault-service-crashes"), two draws per fault whether it is
    /// kept or not, so that adding one to a scenario moves none of its other faults.
    public func serviceCrashes(loadEnd: Duration) -> [ServiceCrash] {
        var random = RandomStream(seed: seed).derived("fault-service-crashes")
        var crashes: [ServiceCrash] = []
        for fault in faults where fault.kind == .serviceCrash {
            let instant = random.nextUnit()
            let downtime = random.nextUnit()
            guard case .service(let service) = fault.target, fault.start < loadEnd else { continue }
            let end = min(fault.end ?? fault.start, loadEnd)
            let span = max(Duration.zero, end - fault.start)
            let low = fault.restartAfter.lowerBound
            let spread = fault.restartAfter.upperBound - low
            crashes.append(
                ServiceCrash(
                    service: service,
                    at: fault.start + .nanoseconds(Int64(Double(span.nanoseconds) * instant)),
                    restartAfter: low + .nanoseconds(Int64(Double(spread.nanoseconds) * downtime))))
        }
        return crashes.sorted { $0.at < $1.at }
    }
}
