import Core

/// One delivery attempt as the endpoint receives it: the raw body and its `Stripe-Signature`.
///
/// `eventID` stands for the `id` field a real endpoint reads from the parsed body; carrying it
/// alongside spares the simulated endpoint a JSON parser without changing what it may know.
public struct WebhookRequest: Hashable, Sendable {
    public let eventID: EventID
    public let payload: [UInt8]
    public let signatureHeader: String

    public init(eventID: EventID, payload: [UInt8], signatureHeader: String) {
        self.eventID = eventID
        self.payload = payload
        self.signatureHeader = signatureHeader
    }
}
