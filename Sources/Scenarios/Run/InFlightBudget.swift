import Services

/// The default bound on journeys in flight, when neither the scenario (`load.max_in_flight`)
/// nor the command line sets one: a memory budget, less what the system may retain in answers
/// for clients' retries, over what one journey in flight costs.
///
/// Without a bound an overloaded run queues every arrival it cannot serve, and its memory
/// grows with the overload's length (35,000 TPS on two cores reached 8.35 GB). With it,
/// arrivals beyond the bound are dropped and counted. The idempotency stores keep their answers
/// by count as well as by time (`IdempotencyStateMachine.Configuration.answersMax`), so what
/// they hold no longer grows with the answer rate and can be taken out of the same budget.
public enum InFlightBudget {
    /// What the journeys in flight and the answers retained for retries may hold together.
    public static let totalBudgetBytes = 3 << 29
    /// What one retained answer costs, with its key, fingerprint and table slot: about 500
    /// bytes for the runner's compact answers by a heap profile of an overloaded realtime run
    /// (PERFORMANCE.md).
    public static let answerBytesEstimate = 512
    /// The most the idempotency stores hold in answers: one store per payment shard, each with
    /// at most `answersMaxDefault` answers.
    public static var retainedAnswersBytesMax: Int {
        PaymentSystemConfiguration().paymentShards * IdempotencyStateMachine.Configuration.answersMaxDefault
            * answerBytesEstimate
    }
    /// What the journeys in flight may hold together: the total less the retained answers.
    public static var memoryBudgetBytes: Int { totalBudgetBytes - retainedAnswersBytesMax }
    /// What one journey in flight costs: its suspended task frames measured 21 KB a journey by a
    /// heap profile of an overloaded realtime run (1,372 MB at 65,535 journeys in flight,
    /// PERFORMANCE.md), plus its state on the heap.
    public static let journeyBytesEstimate = 24 * 1024

    /// `memoryBudgetBytes / journeyBytesEstimate`.
    public static var defaultMaxInFlight: Int { memoryBudgetBytes / journeyBytesEstimate }
}
