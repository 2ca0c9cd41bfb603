/// The default bound on journeys in flight, when neither the scenario (`load.max_in_flight`)
/// nor the command line sets one: a memory budget over what one journey in flight costs.
///
/// Without a bound an overloaded run queues every arrival it cannot serve, and its memory
/// grows with the overload's length (35,000 TPS on two cores reached 8.35 GB). With it,
/// arrivals beyond the bound are dropped and counted. What a run retains per answered request
/// (idempotency keys for two minutes) is not bounded by this: a fast overload measured 3.3 GB
/// with the journeys held at the bound (PERFORMANCE.md).
public enum InFlightBudget {
    /// What the journeys in flight may hold together.
    public static let memoryBudgetBytes = 1 << 30
    /// What one journey in flight costs, measured as the slope of resident memory against
    /// journeys in flight in an overloaded realtime run (PERFORMANCE.md, "Bounded in flight").
    public static let journeyBytesEstimate = 16 * 1024

    /// `memoryBudgetBytes / journeyBytesEstimate`.
    public static var defaultMaxInFlight: Int { memoryBudgetBytes / journeyBytesEstimate }
}
