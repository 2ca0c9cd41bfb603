/// What a client over the wire knows of its own requests: why some went unanswered (the
/// connection could not be opened, closed before the answer, the answer came too late) and how
/// long requests waited for one of its connections and then for their answer. A run over the
/// wire reports them, so that
/// a lost answer is a figure to look into, and a slow read can be told apart as the client's
/// queue or the server's time.
public protocol WireClientFigures: Sendable {
    /// Requests answered nothing so far, by reason.
    var unansweredByReason: [String: Int] { get }
    /// How long each request sent so far waited for a connection, in milliseconds (zero for
    /// most: a free one is taken at once).
    var connectionWaitMilliseconds: LatencySummary { get }
    /// How long each answered request took from its write to its answer read, in
    /// milliseconds: the server's time and the loopback's, without the client's queue or its
    /// tasks' wait for a thread.
    var answerMilliseconds: LatencySummary { get }
}

extension WireClientFigures {
    /// The three figures read together, for a report.
    public var summary: WireClientSummary {
        WireClientSummary(
            unansweredByReason: unansweredByReason, connectionWaitMilliseconds: connectionWaitMilliseconds,
            answerMilliseconds: answerMilliseconds)
    }
}
