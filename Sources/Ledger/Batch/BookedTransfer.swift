/// One two-leg transfer as a `BatchLedger` holds it: what an account's history answers with.
public struct BookedTransfer: Sendable, Hashable, CustomStringConvertible {
    public var id: UInt64
    public var debitAccount: UInt32
    public var creditAccount: UInt32
    public var amount: Int64
    public var code: UInt16

    public init(id: UInt64, debitAccount: UInt32, creditAccount: UInt32, amount: Int64, code: UInt16 = 0) {
        self.id = id
        self.debitAccount = debitAccount
        self.creditAccount = creditAccount
        self.amount = amount
        self.code = code
    }

    public var description: String { "\(id): \(amount) from \(debitAccount) to \(creditAccount)" }
}
