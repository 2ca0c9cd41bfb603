/// When one fault of a run was on, in seconds from the load's start: what a report shades
/// behind its charts and what the time series names each second.
public struct FaultWindow: Sendable, Codable, Equatable {
    /// The fault as the plan describes it in short: its kind and target, e.g.
    /// `network_outage visa`.
    public var name: String
    public var startSeconds: Double
    public var endSeconds: Double

    public init(name: String, startSeconds: Double, endSeconds: Double) {
        self.name = name
        self.startSeconds = startSeconds
        self.endSeconds = endSeconds
    }

    /// Whether the fault was on at `seconds` (a window of zero length, an instant, counts at
    /// its second).
    public func contains(seconds: Double) -> Bool {
        if endSeconds <= startSeconds { return seconds >= startSeconds && seconds < startSeconds + 1 }
        return seconds >= startSeconds && seconds < endSeconds
    }
}

extension FaultPlan {
    /// Each fault that is on, with the window it was on: a scheduled fault from its start to
    /// its end (or the load's end), a whole-run one over the whole load, a process crash from its
    /// drawn instant through its restart delay, a service crash through its drawn downtime.
    /// Computed from the seed's own draws, so it changes nothing the run does.
    public func windows(loadEnd: Duration) -> [FaultWindow] {
        func seconds(_ duration: Duration) -> Double { duration.seconds }
        var windows: [FaultWindow] = []
        let crashes = crashInstants(loadEnd: loadEnd)
        for instant in crashes {
            windows.append(
                FaultWindow(
                    name: "crash process", startSeconds: seconds(instant),
                    endSeconds: seconds(instant + Self.restartDelay)))
        }
        for crash in serviceCrashes(loadEnd: loadEnd) {
            windows.append(
                FaultWindow(
                    name: "service_crash \(crash.service.rawValue)", startSeconds: seconds(crash.at),
                    endSeconds: seconds(crash.at + crash.restartAfter)))
        }
        for fault in faults where fault.kind != .crash && fault.kind != .serviceCrash {
            guard fault.start < loadEnd else { continue }
            let end = min(fault.end ?? loadEnd, loadEnd)
            windows.append(
                FaultWindow(
                    name: "\(fault.kind.rawValue) \(fault.target)", startSeconds: seconds(fault.start),
                    endSeconds: seconds(end)))
        }
        return windows.sorted { ($0.startSeconds, $0.name) < ($1.startSeconds, $1.name) }
    }
}
