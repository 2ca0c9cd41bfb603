/// What one seed of a swarm did: its digest, the faults it drew, and the first invariant it
/// broke, if any.
public struct SwarmOutcome: Sendable, Equatable {
    public var seed: UInt64
    /// The final-state digest (`RunReport.digest`): the same seed gives the same digest.
    public var digest: String
    /// The faults the seed switched on (`FaultPlan.summary`).
    public var faults: String
    /// `name: first example` of the first violated invariant, or the run's error; nil if it held.
    public var firstViolation: String?
    public var payments: Int
    public var wallSeconds: Double

    public var failed: Bool { firstViolation != nil }
}
