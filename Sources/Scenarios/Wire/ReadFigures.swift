/// One read kind's figures in a run's report: how many were sent and answered, and their
/// latency (from the request to the last page's answer).
public struct ReadFigures: Sendable, Codable, Equatable {
    public var kind: String
    /// Reads sent (a list query's pages count once).
    public var sent = 0
    /// Answered 2xx.
    public var succeeded = 0
    /// Answered 404: the server has no such route (e.g. payouts before they are served).
    public var notServed = 0
    /// Answered otherwise (4xx, 5xx), or not at all.
    public var failed = 0
    /// `failed` by the status answered, `none` for no answer (the report's wire section says
    /// why the read traffic's requests went unanswered).
    public var failedByStatus: [String: Int] = [:]
    /// Not sent: shed by the runner after waiting their patience for one of its connections.
    public var shed = 0
    /// None sent yet because no payment had been acknowledged to read.
    public var skippedNoPayment = 0
    public var latencyMilliseconds: LatencySummary

    // The JSON key stays `latency_ms`, as readers of earlier reports expect.
    enum CodingKeys: String, CodingKey {
        case kind, sent, succeeded, notServed, failed, failedByStatus, shed, skippedNoPayment
        case latencyMilliseconds = "latencyMs"
    }

    public init(kind: String, latencyMilliseconds: LatencySummary) {
        self.kind = kind
        self.latencyMilliseconds = latencyMilliseconds
    }
}
