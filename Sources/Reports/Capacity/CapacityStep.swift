/// One step of a capacity search: the load offered for a while and what the system did with
/// it. A plain value, so that whatever measures the steps can hand them to the report.
public struct CapacityStep: Sendable, Equatable, Codable {
    public var offeredTPS: Double
    public var answeredTPS: Double
    public var p50Ms: Double
    public var p99Ms: Double
    /// CPU the process used during the step, in cores (1 = one core busy all the time).
    public var cpuCores: Double
    public var rssBytes: Int
    /// Whether the step met its objective (kept up within its latency goal).
    public var held: Bool

    public init(
        offeredTPS: Double, answeredTPS: Double, p50Ms: Double, p99Ms: Double, cpuCores: Double,
        rssBytes: Int,
        held: Bool
    ) {
        self.offeredTPS = offeredTPS
        self.answeredTPS = answeredTPS
        self.p50Ms = p50Ms
        self.p99Ms = p99Ms
        self.cpuCores = cpuCores
        self.rssBytes = rssBytes
        self.held = held
    }

    /// The knee: the highest offered rate that held, when every step below it held too (the
    /// last step before the first failure), or nil when the first step failed already.
    public static func knee(of steps: [CapacityStep]) -> CapacityStep? {
        var knee: CapacityStep?
        for step in steps.sorted(by: { $0.offeredTPS < $1.offeredTPS }) {
            guard step.held else { break }
            knee = step
        }
        return knee
    }
}
