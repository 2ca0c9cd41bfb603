import Core

/// A merchant's request to charge a customer (Stripe: create and confirm a PaymentIntent).
public struct PaymentRequest: Sendable, Hashable {
    public enum CaptureMethod: Sendable, Hashable {
        /// Capture as soon as the authorization is approved.
        case automatic
        /// Hold the funds; the merchant captures (in full or in part) or cancels later.
        case manual
    }

    public var merchant: MerchantID
    public var amount: Money
    public var method: PaymentMethod
    public var captureMethod: CaptureMethod
    /// ISO 3166 country the customer is paying from (for fraud screening).
    public var customerCountry: String
    public var deviceID: UInt64
    /// Simulation ground truth: was this payment generated as fraud?
    public var isFraudulentTruth: Bool
    /// What the issuer answers whatever its behaviour draws: Stripe's test cards decline with a
    /// documented code (`4000000000009995`: insufficient funds). Nil: the issuer decides.
    public var scriptedDecline: DeclineCode? = nil
    /// The issuer asks for 3-D Secure whatever the fraud score (Stripe's `4000002760003184`):
    /// the payment waits in `requiresAction` until the customer completes or fails the
    /// challenge (`PaymentSystem.completeAuthentication`).
    public var requiresAuthentication = false

    public init(
        merchant: MerchantID, amount: Money, method: PaymentMethod, captureMethod: CaptureMethod = .automatic,
        customerCountry: String = "US", deviceID: UInt64 = 0, isFraudulentTruth: Bool = false
    ) {
        self.merchant = merchant
        self.amount = amount
        self.method = method
        self.captureMethod = captureMethod
        self.customerCountry = customerCountry
        self.deviceID = deviceID
        self.isFraudulentTruth = isFraudulentTruth
    }
}
