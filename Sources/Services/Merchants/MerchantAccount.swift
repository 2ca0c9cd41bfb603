import Core
import PaystormRuntime

/// A merchant as the processor knows it: settlement currency, webhook secret, what it was paid
/// out and how many payments it took. Its balance is the ledger's (`merchantBalance`).
public struct MerchantAccount: Sendable, Hashable {
    public let id: MerchantID
    public let settlementCurrency: Currency
    public let webhookSecret: String
    /// Paid out to the merchant's bank so far.
    public internal(set) var paidOut: Int64 = 0
    public internal(set) var payments = 0
    /// Bank debits returned after they were accepted.
    public internal(set) var bankReturns = 0
}
