import Core

/// A capture the network accepted.
public struct NetworkCapture: Hashable, Sendable {
    public let paymentID: PaymentID
    public let amount: Money
    /// The settlement file that lists it.
    public let settlementDay: Int64
}
