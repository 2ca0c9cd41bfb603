/// What a run over the wire counted beside the journeys, and which of the in-process checks it
/// could not make from outside.
public struct WireReport: Sendable, Codable, Equatable {
    public var target: String
    /// Requests that got no answer (connection refused, reset, timed out) and were sent again.
    public var answersLost = 0
    /// Why the journeys' requests went unanswered, by reason (the target's own count: it
    /// includes the ones the journeys did not send again).
    public var unansweredByReason: [String: Int] = [:]
    /// Why the read traffic's requests went unanswered, by reason (its failures without a
    /// status).
    public var readsUnansweredByReason: [String: Int] = [:]
    /// How long the journeys' requests waited for one of the runner's connections, in
    /// milliseconds: the client's share of their latency.
    public var connectionWaitMilliseconds: LatencySummary?
    /// How long the read traffic's requests waited for one of its client's connections: a
    /// read's latency less this is the server's time (and the network's).
    public var readsConnectionWaitMilliseconds: LatencySummary?
    /// From the write of a journey's request to its answer read, in milliseconds (answered
    /// ones): the server's time and the loopback's.
    public var answerMilliseconds: LatencySummary?
    /// The same for the read traffic's requests: what the server took for a read.
    public var readsAnswerMilliseconds: LatencySummary?
    /// New payments the runner shed before sending them (their create, or their merchant's
    /// onboarding, waited its patience for one of the runner's connections): their arrivals
    /// count as not answered. A merchant's resend of a create shed counts too.
    public var createsShed = 0
    /// Journeys whose plan had a dispute: the bank's side has no API, so none was opened.
    public var disputesNotSent = 0
    /// Bank-transfer journeys sent as card payments (the HTTP API takes cards only).
    public var bankTransfersSentAsCards = 0
    /// Payments checked against the API at their journey's end (`GET /v1/payment_intents/:id`).
    public var paymentsChecked = 0
    /// Whether the server answered its admin audit route.
    public var auditChecked = false
    /// Fault switches the server's admin route took, and refused.
    public var faultsSwitched = 0
    public var faultsRefused = 0
    /// The scenario's faults a run over the wire cannot inject, described.
    public var faultsNotInjected: [String] = []
    /// Webhook delivery latency: from the client's acknowledgement of a payment to the first
    /// of its events at the receiver, in milliseconds.
    public var webhookLatencyMilliseconds: LatencySummary?
    /// The in-process checks a run over the wire does not make, by name.
    public var notChecked: [String] = []

    // The JSON key stays `webhook_latency_ms`, as readers of earlier reports expect; the waits
    // follow it.
    enum CodingKeys: String, CodingKey {
        case target, answersLost, unansweredByReason, readsUnansweredByReason, createsShed, disputesNotSent,
            bankTransfersSentAsCards, paymentsChecked
        case auditChecked, faultsSwitched, faultsRefused, faultsNotInjected
        case webhookLatencyMilliseconds = "webhookLatencyMs"
        case connectionWaitMilliseconds = "connectionWaitMs"
        case readsConnectionWaitMilliseconds = "readsConnectionWaitMs"
        case answerMilliseconds = "answerMs"
        case readsAnswerMilliseconds = "readsAnswerMs"
        case notChecked
    }
}
