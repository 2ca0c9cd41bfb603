import PaystormRuntime

/// The arrival rate of a run over time, as a list of stages, k6 style.
///
/// - `ramp_to: 600, over: 10m`: the rate moves linearly from where it is to 600 TPS;
/// - `hold: 30m`: the rate stays where it is;
/// - `spike_to: 2000, for: 5m`: the rate jumps to 2000 TPS, stays there, then drops back.
///
/// The rate is piecewise linear, so a Black-Friday curve is a handful of lines.
public struct LoadProfile: Sendable, Equatable {
    public enum Stage: Sendable, Equatable {
        case ramp(toTPS: Double, over: Duration)
        case hold(Duration)
        case spike(toTPS: Double, for: Duration)

        var duration: Duration {
            switch self {
            case .ramp(_, let d), .hold(let d), .spike(_, let d): d
            }
        }
    }

    /// One linear piece: the rate goes from `startTPS` to `endTPS` over [start, end).
    public struct Segment: Sendable, Equatable {
        public var startNanoseconds: Int64
        public var endNanoseconds: Int64
        public var startTPS: Double
        public var endTPS: Double

        public var peakTPS: Double { max(startTPS, endTPS) }

        public func rate(at nanoseconds: Int64) -> Double {
            let length = endNanoseconds - startNanoseconds
            guard length > 0 else { return endTPS }
            let fraction = Double(nanoseconds - startNanoseconds) / Double(length)
            return startTPS + (endTPS - startTPS) * fraction
        }
    }

    public var initialTPS: Double
    public var stages: [Stage]

    /// Journeys the generator keeps in flight at most: an arrival beyond it is dropped and
    /// counted (`dropped`, k6's dropped iterations), never queued. Nil: no bound.
    public var maxInFlight: Int?

    public init(initialTPS: Double = 0, maxInFlight: Int? = nil, stages: [Stage]) {
        self.initialTPS = initialTPS
        self.stages = stages
        self.maxInFlight = maxInFlight
    }

    public var duration: Duration { stages.reduce(.zero) { $0 + $1.duration } }

    /// The stages as linear segments on the run's time axis.
    public var segments: [Segment] {
        var result: [Segment] = []
        var now: Int64 = 0
        var rate = initialTPS
        for stage in stages {
            let length = stage.duration.nanoseconds
            switch stage {
            case .ramp(let target, _):
                result.append(
                    Segment(
                        startNanoseconds: now, endNanoseconds: now + length, startTPS: rate, endTPS: target))
                rate = target
            case .hold:
                result.append(
                    Segment(startNanoseconds: now, endNanoseconds: now + length, startTPS: rate, endTPS: rate)
                )
            case .spike(let target, _):
                result.append(
                    Segment(
                        startNanoseconds: now, endNanoseconds: now + length, startTPS: target, endTPS: target)
                )
            }
            now += length
        }
        return result
    }

    /// The target arrival rate at a point of the run.
    public func rate(atNanoseconds nanoseconds: Int64) -> Double {
        for segment in segments where nanoseconds < segment.endNanoseconds {
            return segment.rate(at: max(nanoseconds, segment.startNanoseconds))
        }
        return 0
    }

    public var peakTPS: Double { segments.map(\.peakTPS).max() ?? initialTPS }

    /// The expected number of arrivals over the whole profile (the integral of the rate).
    public var expectedArrivals: Double {
        segments.reduce(0) { total, segment in
            total + (segment.startTPS + segment.endTPS) / 2
                * Double(segment.endNanoseconds - segment.startNanoseconds) / 1e9
        }
    }

    func stretched(to target: Duration) -> LoadProfile {
        let total = duration.nanoseconds
        guard total > 0 else { return self }
        let factor = Double(target.nanoseconds) / Double(total)
        let scale: (Duration) -> Duration = {
            .nanoseconds(max(1, Int64((Double($0.nanoseconds) * factor).rounded())))
        }
        return LoadProfile(
            initialTPS: initialTPS, maxInFlight: maxInFlight,
            stages: stages.map { stage in
                switch stage {
                case .ramp(let to, let over): .ramp(toTPS: to, over: scale(over))
                case .hold(let d): .hold(scale(d))
                case .spike(let to, let d): .spike(toTPS: to, for: scale(d))
                }
            })
    }

    func scaled(by factor: Double) -> LoadProfile {
        LoadProfile(
            initialTPS: initialTPS * factor, maxInFlight: maxInFlight,
            stages: stages.map { stage in
                switch stage {
                case .ramp(let to, let over): .ramp(toTPS: to * factor, over: over)
                case .hold(let d): .hold(d)
                case .spike(let to, let d): .spike(toTPS: to * factor, for: d)
                }
            })
    }
}
