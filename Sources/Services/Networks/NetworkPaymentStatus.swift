import Core

/// A snapshot of what a network holds for one payment.
public struct NetworkPaymentStatus: Hashable, Sendable {
    public let paymentID: PaymentID
    public let inquiry: NetworkInquiryResult
    public let authorized: Money
    public let captured: Money
    public let refunded: Money
    /// The day the capture settles (or settled), if captured.
    public let settlementDay: Int64?
    /// Bank rail: the return, once its settlement day has come.
    public let returnCode: BankReturnCode?
}
