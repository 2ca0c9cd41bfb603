import Core

/// A refund the network accepted.
public struct NetworkRefund: Hashable, Sendable {
    public let paymentID: PaymentID
    public let refundID: RefundID
    public let amount: Money
    /// The settlement file that lists it.
    public let settlementDay: Int64
}
