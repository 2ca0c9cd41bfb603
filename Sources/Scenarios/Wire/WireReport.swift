/// What a run over the wire counted beside the journeys, and which of the in-process checks it
/// could not make from outside.
public struct WireReport: Sendable, Codable, Equatable {
    public var target: String
    /// Requests that got no answer (connection refused, reset, timed out) and were sent again.
    public var answersLost = 0
    /// The journeys' client's own figures (why requests went unanswered, including the ones
    /// the journeys did not send again; connection waits; answer times), when the target keeps
    /// them.
    public var journeysClient: WireClientSummary?
    /// The same for the read traffic's client: a read's latency less its connection wait is
    /// the server's time (and the network's).
    public var readsClient: WireClientSummary?
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

    // The JSON key stays `webhook_latency_ms`, as readers of earlier reports expect.
    enum CodingKeys: String, CodingKey {
        case target, answersLost, journeysClient, readsClient, createsShed, disputesNotSent,
            bankTransfersSentAsCards, paymentsChecked
        case auditChecked, faultsSwitched, faultsRefused, faultsNotInjected
        case webhookLatencyMilliseconds = "webhookLatencyMs"
        case notChecked
    }
}
