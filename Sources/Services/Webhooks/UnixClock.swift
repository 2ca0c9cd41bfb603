import PaystormRuntime

/// Converts the run's time into Unix seconds for webhook timestamps and event `created` fields.
///
/// Simulation code never reads the wall clock: Unix time is the run's `SimTime` plus a fixed
/// epoch offset from the configuration, so a seed reproduces every signature byte for byte.
public struct UnixClock: Hashable, Sendable {
    /// Unix seconds at the run's `SimTime.zero`.
    public let epochOffsetSeconds: Int64

    /// 2026-01-01T00:00:00Z.
    public static let standard = UnixClock(epochOffsetSeconds: 1_767_225_600)

    public init(epochOffsetSeconds: Int64) { self.epochOffsetSeconds = epochOffsetSeconds }

    /// Whole Unix seconds at `time` (rounded down).
    public func seconds(at time: SimTime) -> Int64 {
        let (whole, remainder) = time.nanoseconds.quotientAndRemainder(dividingBy: 1_000_000_000)
        return epochOffsetSeconds &+ (remainder < 0 ? whole - 1 : whole)
    }
}
