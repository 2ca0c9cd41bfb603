/// Which scale of a scenario `paystorm capacity` runs next: it steps the scale up by a factor
/// while each step holds, then bisects between the highest step that held and the lowest that
/// did not, until the two are within `resolution` of each other.
///
/// Pure: it is told each step's outcome and says what to run next, so the search is tested
/// with made-up outcomes and no clock.
public struct CapacitySearch: Sendable {
    public struct Configuration: Sendable, Equatable, Codable {
        /// The first scale tried.
        public var scaleStart: Double
        /// Each step multiplies (or, below a failed first step, divides) the scale by this.
        public var stepFactor: Double
        /// Stepping stops here even if every step held.
        public var scaleMax: Double
        /// Stepping down stops here even if no step held.
        public var scaleMin: Double
        /// Bisection stops when the gap between held and failed is at most this share of the
        /// held scale.
        public var resolution: Double
        /// Steps run at most, stepping and bisecting together.
        public var stepsMax: Int

        /// Snake case spelled out, as in `CapacityReport`.
        private enum CodingKeys: String, CodingKey {
            case scaleStart = "scale_start"
            case stepFactor = "step_factor"
            case scaleMax = "scale_max"
            case scaleMin = "scale_min"
            case resolution
            case stepsMax = "steps_max"
        }

        public static let standard = Configuration(
            scaleStart: 1, stepFactor: 2, scaleMax: 64, scaleMin: 1.0 / 64, resolution: 0.1, stepsMax: 10)

        public init(
            scaleStart: Double, stepFactor: Double, scaleMax: Double, scaleMin: Double, resolution: Double,
            stepsMax: Int
        ) {
            self.scaleStart = scaleStart
            self.stepFactor = stepFactor
            self.scaleMax = scaleMax
            self.scaleMin = scaleMin
            self.resolution = resolution
            self.stepsMax = stepsMax
        }

        /// Why the configuration cannot search, if it cannot.
        public var problem: String? {
            guard scaleStart > 0, scaleMin > 0, scaleMin <= scaleStart, scaleStart <= scaleMax else {
                return "scales must satisfy 0 < min <= start <= max"
            }
            guard stepFactor > 1 else { return "the step factor must be above 1" }
            guard resolution > 0 else { return "the resolution must be positive" }
            guard stepsMax >= 1 else { return "at least one step" }
            return nil
        }
    }

    public enum Phase: String, Sendable, Codable {
        case stepping
        case bisecting
    }

    public let configuration: Configuration
    /// The highest scale that held so far.
    public private(set) var held: Double?
    /// The lowest scale that did not hold so far.
    public private(set) var failed: Double?
    public private(set) var steps = 0

    public init(configuration: Configuration = .standard) {
        self.configuration = configuration
    }

    /// The next scale to run, or nil when the search is over.
    public func next() -> (scale: Double, phase: Phase)? {
        guard steps < configuration.stepsMax else { return nil }
        switch (held, failed) {
        case (nil, nil):
            return (configuration.scaleStart, .stepping)
        case (let held?, nil):
            let scale = held * configuration.stepFactor
            return scale <= configuration.scaleMax * (1 + 1e-9) ? (scale, .stepping) : nil
        case (nil, let failed?):
            let scale = failed / configuration.stepFactor
            return scale >= configuration.scaleMin * (1 - 1e-9) ? (scale, .stepping) : nil
        case (let held?, let failed?):
            guard (failed - held) / held > configuration.resolution else { return nil }
            return ((held + failed) / 2, .bisecting)
        }
    }

    /// Records the outcome of the step at `scale`.
    public mutating func record(scale: Double, held didHold: Bool) {
        steps += 1
        if didHold {
            held = max(held ?? scale, scale)
        } else {
            failed = min(failed ?? scale, scale)
        }
    }
}
