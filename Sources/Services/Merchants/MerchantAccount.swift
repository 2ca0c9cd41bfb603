import Core
import PaystormRuntime

/// A merchant as the processor knows it: settlement currency, webhook secret, and its own
/// view of its money, kept from the payments' point of view (not read from the ledger), so that
/// the two can be compared: the settlement invariant.
public struct MerchantAccount: Sendable, Hashable {
    public let id: MerchantID
    public let settlementCurrency: Currency
    public let webhookSecret: String
    /// Captured less fees, refunds, bank returns, disputes and dispute fees (plus won disputes), in the
    /// settlement currency: what the merchant has earned.
    public internal(set) var earned: Int64 = 0
    /// Paid out to the merchant's bank so far.
    public internal(set) var paidOut: Int64 = 0
    public internal(set) var payments = 0
    /// Bank debits returned after they were accepted.
    public internal(set) var bankReturns = 0

    /// What the ledger's merchant balance must be.
    public var expectedBalance: Int64 { earned - paidOut }
}
