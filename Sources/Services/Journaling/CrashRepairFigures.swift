/// What crash repair did after a restart: the payments the dead process left between create
/// and answer that it moved on to a final state, and how long that took on the run's clock.
public struct CrashRepairFigures: Sendable, Hashable {
    public var paymentsSettled = 0
    /// From the start of crash repair to its end (0 until it ends).
    public var durationNanoseconds: Int64 = 0
    public var isFinished = false
    public init() {}
}
