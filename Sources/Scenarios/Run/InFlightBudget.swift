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
    /// What the journeys in flight and the answers retained for retries may hold together: half
    /// of the 2 GiB a run under a 10x overload must stay within, since the rest of the process
    /// (merchants, the networks' and the fraud engine's tables, the payments being answered)
    /// held 0.7-0.8 GB in a 5-minute overload of `scenarios/constant-rate.yaml` (PERFORMANCE.md).
    public static let totalBudgetBytes = 1 << 30
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
    /// What one journey in flight costs while it sends a request: its task, its suspended
    /// frames and its closure, 16 KB a journey by a heap profile of an overloaded realtime run
    /// (940-990 MB at 60,000-64,000 journeys in flight, PERFORMANCE.md). Most of them wait to
    /// retry a request refused with 429, which the gateway refuses before the work's deep
    /// frames (`PaymentSystem.call`).
    public static let journeyBytesEstimate = 16 * 1024
    /// What one journey waiting for its next step (a later capture, a refund...) costs: no
    /// task, only its entry in the timetable (`JourneyTimetable`), and what the system holds of
    /// its payment meanwhile. 2.7-2.9 KB a journey waiting, by the resident memory of two
    /// simulated 2-minute runs at 2,000 TPS, one with every capture delayed and one with none
    /// (PERFORMANCE.md), rounded up.
    public static let waitingJourneyBytesEstimate = 4 * 1024
    /// How many journeys waiting count as one that sends, against the default bound.
    public static var waitingJourneysPerJourney: Int { journeyBytesEstimate / waitingJourneyBytesEstimate }

    /// `memoryBudgetBytes / journeyBytesEstimate`: journeys that send, each journey waiting
    /// counted as `1 / waitingJourneysPerJourney` of one.
    public static var defaultMaxInFlight: Int { memoryBudgetBytes / journeyBytesEstimate }
}
