import Core

/// A webhook event the journal shows emitted and never settled (delivered or dead-lettered):
/// owed to its merchant. A resumed system delivers it again under the same id.
public struct PendingWebhook: Sendable, Hashable, Codable {
    public let eventID: EventID
    public let type: PaymentEventType
    public let payment: PaymentID
    public let merchant: MerchantID
    public let amount: Money
    /// When the transition that emitted it was journaled.
    public let timeNanoseconds: Int64
}

extension PendingWebhook {
    /// The id of a payment's `index`-th event (0 is its creation): `payment << 16 | index`, so
    /// that an event sent again after a restart is the same event (see `PaymentEventSink`).
    static func eventID(payment: PaymentID, index: Int64) -> EventID {
        EventID(payment.rawValue << 16 | UInt64(UInt16(truncatingIfNeeded: index)))
    }
}
