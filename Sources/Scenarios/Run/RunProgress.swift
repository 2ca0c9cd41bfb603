import PaystormRuntime

/// A live view of a run, for the progress line.
public struct RunProgress: Sendable {
    public var elapsed: Duration = .zero
    public var targetTPS = 0.0
    /// Arrivals dispatched so far.
    public var attempted = 0
    /// Arrivals that got a first answer so far (any answer: success, decline, refusal).
    public var answered = 0
    public var inFlight = 0
    /// Of the journeys in flight, those waiting in the timetable for their next step (a later
    /// capture, refund...): no request of theirs is being sent.
    public var waiting = 0
    public var declined = 0
    public var rateLimited = 0
    /// Authorization latency p99 over the whole run so far.
    public var p99Milliseconds = 0.0
    /// Authorizations since the previous report (one second of run time) and their latency.
    public var intervalAuthorizations = 0
    public var intervalP50Milliseconds = 0.0
    public var intervalP90Milliseconds = 0.0
    public var intervalP99Milliseconds = 0.0
    public var violations = 0
    /// Journeys ended so far, by outcome (a journey counts when it ends, not when it was
    /// answered first).
    public var counts = RunReport.PaymentCounts()
    /// Journeys ended so far with a decline, by Stripe's decline code.
    public var declinesByCode: [String: Int] = [:]
    /// Arrivals dropped at the run's in-flight bound so far (shed: never sent).
    public var droppedArrivals = 0
    /// Payments the fraud engine stepped up to 3-D Secure (`requires_action` events), webhook
    /// figures and ledger transfers: the serving system's own counters, which start again
    /// from zero when a crash fault restarts it.
    public var challenged = 0
    public var webhooksDelivered = 0
    public var webhookRetries = 0
    public var webhooksDeadLettered = 0
    /// Webhook deliveries handed to the dispatcher and not yet settled (queued or retrying).
    public var webhookBacklog = 0
    public var ledgerTransfers = 0
    /// The faults on at this instant (`FaultWindow.name`).
    public var faultsActive: [String] = []

    public init() {}

    init(
        elapsed: Duration, targetTPS: Double, attempted: Int, answered: Int, inFlight: Int, declined: Int,
        rateLimited: Int, p99Milliseconds: Double, intervalAuthorizations: Int,
        intervalP50Milliseconds: Double,
        intervalP90Milliseconds: Double, intervalP99Milliseconds: Double, violations: Int
    ) {
        self.elapsed = elapsed
        self.targetTPS = targetTPS
        self.attempted = attempted
        self.answered = answered
        self.inFlight = inFlight
        self.declined = declined
        self.rateLimited = rateLimited
        self.p99Milliseconds = p99Milliseconds
        self.intervalAuthorizations = intervalAuthorizations
        self.intervalP50Milliseconds = intervalP50Milliseconds
        self.intervalP90Milliseconds = intervalP90Milliseconds
        self.intervalP99Milliseconds = intervalP99Milliseconds
        self.violations = violations
    }
}
