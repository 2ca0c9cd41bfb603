import Core

/// A webhook event the journal shows emitted and never settled (delivered or dead-lettered):
/// owed to its merchant. A resumed system delivers it again under the same id.
public struct PendingWebhook: Sendable, Hashable {
    public let eventID: EventID
    public let type: PaymentEventType
    public let payment: PaymentID
    public let merchant: MerchantID
    public let amount: Money
    /// When the transition that emitted it was journaled.
    public let timeNs: Int64
}
