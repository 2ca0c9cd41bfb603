import Core

/// An authorization sent to a network. The payment's id is the network reference: one
/// authorization per payment, which is what lets a caller inquire about or reverse a timed-out
/// one instead of retrying it.
public struct AuthorizationRequest: Hashable, Sendable {
    public let paymentID: PaymentID
    public let amount: Money
    /// The simulator's ground truth; issuers decline some fraud (`fraudDeclineRate`).
    public let isFraudulentTruth: Bool
    /// The issuer declines with this code whatever it would have drawn (a test card's answer).
    public let scriptedDecline: DeclineCode?

    public init(
        paymentID: PaymentID, amount: Money, isFraudulentTruth: Bool = false,
        scriptedDecline: DeclineCode? = nil
    ) {
        self.paymentID = paymentID
        self.amount = amount
        self.isFraudulentTruth = isFraudulentTruth
        self.scriptedDecline = scriptedDecline
    }
}
