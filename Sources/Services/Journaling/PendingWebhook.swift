import Core

/// A webhook event the journal shows emitted and never settled (delivered or dead-lettered):
/// owed to its merchant. A resumed system delivers it again under the same id.
package struct PendingWebhook: Sendable, Hashable, Codable {
    package let eventID: EventID
    package let type: PaymentEventType
    package let payment: PaymentID
    package let merchant: MerchantID
    package let amount: Money
    /// When the transition that emitted it was journaled.
    package let timeNanoseconds: Int64
}

extension PendingWebhook {
    /// The id of a payment's `index`-th event (0 is its creation): `payment << 16 | index`, so
    /// that an event sent again after a restart is the same event (see `PaymentEventSink`).
    static func eventID(payment: PaymentID, index: Int64) -> EventID {
        EventID(payment.rawValue << 16 | UInt64(UInt16(truncatingIfNeeded: index)))
    }
}
