/// One wire client's own figures at the end of a run (`WireClientFigures` read once): the
/// journeys' client and the read traffic's each have one in `WireReport`.
public struct WireClientSummary: Sendable, Codable, Equatable {
    /// Requests answered nothing, by reason.
    public var unansweredByReason: [String: Int]
    /// How long requests waited for one of the client's connections, in milliseconds: the
    /// client's share of their latency.
    public var connectionWaitMilliseconds: LatencySummary
    /// From a request's write to its answer read, in milliseconds (answered ones): the server's
    /// time and the loopback's.
    public var answerMilliseconds: LatencySummary

    enum CodingKeys: String, CodingKey {
        case unansweredByReason
        case connectionWaitMilliseconds = "connectionWaitMs"
        case answerMilliseconds = "answerMs"
    }
}
