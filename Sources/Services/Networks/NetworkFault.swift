/// Trouble a chaos schedule switches on for a while on top of a network's `NetworkBehaviour`
/// (`CardNetwork.setFault`): answers lost, slower, or refused. The behaviour describes the
/// network as it always is; this describes a bad minute of it.
public struct NetworkFault: Hashable, Sendable {
    /// Probability that an authorization's answer is lost (at least; the behaviour's own
    /// `timeoutRate` still applies): the request may or may not have reached the issuer.
    public var timeoutRate: Double
    /// Added to every answer's latency; past the behaviour's `timeout` an authorization times
    /// out after the issuer decided.
    public var addedLatency: Duration

    public init(timeoutRate: Double = 0, addedLatency: Duration = .zero) {
        self.timeoutRate = timeoutRate
        self.addedLatency = addedLatency
    }

    /// No trouble: the network behaves as configured.
    public static let healthy = NetworkFault()

    /// Both faults at once: the higher timeout rate, the latencies added.
    public func merged(with other: NetworkFault) -> NetworkFault {
        NetworkFault(
            timeoutRate: max(timeoutRate, other.timeoutRate), addedLatency: addedLatency + other.addedLatency)
    }

    func validate() throws(NetworkError) {
        guard (0...1).contains(timeoutRate) else {
            throw .invalidConfiguration("a fault's timeout rate must be in 0...1")
        }
        guard addedLatency >= .zero else { throw .invalidConfiguration("added latency must not be negative") }
    }
}
