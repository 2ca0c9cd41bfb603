/// The runner's webhook receiver, as a run over the wire sees it: the scenario's webhook faults
/// set its mode on their schedule, and once the load is over it says what it received and
/// whether every acknowledged payment's events reached it (or were dead-lettered).
public protocol WebhookWitness: Sendable {
    /// Every endpoint the receiver plays behaves this way from now on.
    func setMode(_ mode: FaultPlan.EndpointMode)

    /// Waits until deliveries stop arriving, at most `grace`.
    func settle(grace: Duration) async

    /// Judges what arrived. `audit` is the server's own count of what it dead-lettered, read
    /// once the deliveries settled, when it has the audit route.
    func verdict(audit: TargetAudit?) -> WebhookVerdict
}

/// What the receiver saw, and the invariants it judged.
public struct WebhookVerdict: Sendable {
    public var figures: RunReport.WebhookFigures
    /// Delivery latency from the client's acknowledgement of the change to the event's
    /// arrival, in milliseconds.
    public var latencyMilliseconds: LatencySummary
    /// Each invariant judged, with its violations and the first few of them.
    public var checks: [Check]

    public struct Check: Sendable {
        public var invariant: Invariant
        public var violations: Int
        public var examples: [String]

        public init(_ invariant: Invariant, violations: Int, examples: [String]) {
            self.invariant = invariant
            self.violations = violations
            self.examples = examples
        }
    }

    public init(figures: RunReport.WebhookFigures, latencyMilliseconds: LatencySummary, checks: [Check]) {
        self.figures = figures
        self.latencyMilliseconds = latencyMilliseconds
        self.checks = checks
    }
}
