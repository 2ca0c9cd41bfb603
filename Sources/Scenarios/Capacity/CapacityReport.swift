/// What `paystorm capacity` found: every step it ran, the highest rate held with every
/// invariant and the latency objective, and the knee (the lowest rate that was not held).
public struct CapacityReport: Sendable, Codable, Equatable {
    public var scenario: String
    /// The scenario's peak target rate at scale 1.
    public var peakTPSAtScaleOne: Double
    /// Each step's length of run time.
    public var stepSeconds: Double
    public var search: CapacitySearch.Configuration
    /// In the order they ran.
    public var steps: [CapacityStep]

    public init(
        scenario: String, peakTPSAtScaleOne: Double, stepSeconds: Double,
        search: CapacitySearch.Configuration,
        steps: [CapacityStep]
    ) {
        self.scenario = scenario
        self.peakTPSAtScaleOne = peakTPSAtScaleOne
        self.stepSeconds = stepSeconds
        self.search = search
        self.steps = steps
    }

    /// The held step with the highest offered rate; nil if none held.
    public var highestHeld: CapacityStep? {
        steps.filter(\.held).max { $0.offeredTPS < $1.offeredTPS }
    }

    /// The lowest offered rate that was not held, above the highest held one: where it breaks.
    public var knee: CapacityStep? {
        let floor = highestHeld?.offeredTPS ?? 0
        return steps.filter { !$0.held && $0.offeredTPS > floor }.min { $0.offeredTPS < $1.offeredTPS }
    }

    // The computed figures are written too, so that a reader of the JSON needs no arithmetic.
    // Keys are spelled in snake case here, so that the JSON reads the same with or without
    // `.convertToSnakeCase` and a plain `JSONDecoder` reads it back (`peakTPS...` would come
    // back from `.convertFromSnakeCase` as `peakTps...`).
    private enum CodingKeys: String, CodingKey {
        case scenario
        case peakTPSAtScaleOne = "peak_tps_at_scale_one"
        case stepSeconds = "step_seconds"
        case search, steps
        case highestHeld = "highest_held"
        case knee
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(scenario, forKey: .scenario)
        try container.encode(peakTPSAtScaleOne, forKey: .peakTPSAtScaleOne)
        try container.encode(stepSeconds, forKey: .stepSeconds)
        try container.encode(search, forKey: .search)
        try container.encode(steps, forKey: .steps)
        try container.encode(highestHeld, forKey: .highestHeld)
        try container.encode(knee, forKey: .knee)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        scenario = try container.decode(String.self, forKey: .scenario)
        peakTPSAtScaleOne = try container.decode(Double.self, forKey: .peakTPSAtScaleOne)
        stepSeconds = try container.decode(Double.self, forKey: .stepSeconds)
        search = try container.decode(CapacitySearch.Configuration.self, forKey: .search)
        steps = try container.decode([CapacityStep].self, forKey: .steps)
    }
}
