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
    /// Not sent: shed by the runner after waiting their patience for one of its connections.
    public var shed = 0
    /// None sent yet because no payment had been acknowledged to read.
    public var skippedNoPayment = 0
    public var latencyMs: LatencySummary

    public init(kind: String, latencyMs: LatencySummary) {
        self.kind = kind
        self.latencyMs = latencyMs
    }
}
