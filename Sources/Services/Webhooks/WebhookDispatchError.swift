import Core

/// Why the dispatcher refused an event or a setting.
public enum WebhookDispatchError: Error, Hashable, Sendable, CustomStringConvertible {
    /// `inFlightMax` events are undelivered already: back-pressure, the caller must hold the
    /// event and retry (the refusal is counted, the event is never silently dropped).
    case queueFull(inFlightMax: Int)
    /// The merchant has no registered endpoint.
    case noEndpoint(MerchantID)
    /// The endpoint table is full.
    case tooManyEndpoints(endpointsMax: Int)
    /// A configuration value is out of range.
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .queueFull(let limit): "webhook queue full (\(limit) events in flight)"
        case .noEndpoint(let merchant): "no webhook endpoint registered for \(merchant)"
        case .tooManyEndpoints(let limit): "webhook endpoint table full (\(limit))"
        case .invalidConfiguration(let what): "invalid webhook configuration: \(what)"
        }
    }
}
