import Core

/// The bank rail's notice that a debit came back: which payment, how much, why, and the
/// settlement day whose file lists the return.
public struct BankReturnNotice: Hashable, Sendable, Codable {
    public let paymentID: PaymentID
    public let amount: Money
    public let code: BankReturnCode
    public let day: Int64
}
