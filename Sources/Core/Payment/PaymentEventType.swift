/// A webhook event type, named as Stripe names it, that a transition emits.
///
/// The state machine returns these with each transition so that the orchestrator emits exactly
/// the events a transition implies, in order, and nothing else decides them.
///
/// The journal codes a case as its position in `allCases` (`BinaryEncoder`): a new case goes last.
public enum PaymentEventType: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case paymentIntentCreated = "payment_intent.created"
    case paymentIntentRequiresAction = "payment_intent.requires_action"
    /// The authorization's outcome is not known yet (timeout) or 3-D Secure just completed.
    case paymentIntentProcessing = "payment_intent.processing"
    /// An authorization now holds funds: `amount_capturable` changed.
    case paymentIntentAmountCapturableUpdated = "payment_intent.amount_capturable_updated"
    case paymentIntentSucceeded = "payment_intent.succeeded"
    case paymentIntentPaymentFailed = "payment_intent.payment_failed"
    case paymentIntentCanceled = "payment_intent.canceled"
    case chargeCaptured = "charge.captured"
    /// An uncaptured authorization lapsed.
    case chargeExpired = "charge.expired"
    /// A refund, partial or full, was made.
    case chargeRefunded = "charge.refunded"
    /// Paystorm's own event: the settlement run paid the charge out. (Stripe reports this
    /// through balance transactions becoming available, not a charge event.)
    case chargeSettled = "charge.settled"
    case chargeDisputeCreated = "charge.dispute.created"
    case chargeDisputeUpdated = "charge.dispute.updated"
    case chargeDisputeClosed = "charge.dispute.closed"
    case chargeDisputeFundsWithdrawn = "charge.dispute.funds_withdrawn"
    case chargeDisputeFundsReinstated = "charge.dispute.funds_reinstated"
    /// A charge failed after it had been accepted: a bank debit the customer's bank returned
    /// (Stripe sends `charge.failed` with `payment_intent.payment_failed`).
    case chargeFailed = "charge.failed"

    public var description: String { rawValue }
}
