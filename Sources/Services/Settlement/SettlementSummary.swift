import Core

/// What one daily settlement run did.
public struct SettlementSummary: Sendable, Hashable {
    public var paymentsSettled = 0
    /// Bank debits returned since the previous run, applied before the payouts.
    public var bankReturns = 0
    public var payouts = 0
    /// Paid out, per settlement currency code, in minor units.
    public var paidOut: [String: Int64] = [:]
    /// Payouts made, per settlement currency code (`payouts` is their sum).
    public var payoutsByCurrency: [String: Int] = [:]
    /// Merchants whose balance was negative and carried over to the next run.
    public var negativeBalancesCarried = 0

    public mutating func add(_ other: SettlementSummary) {
        paymentsSettled += other.paymentsSettled
        bankReturns += other.bankReturns
        payouts += other.payouts
        paidOut.merge(other.paidOut, uniquingKeysWith: +)
        payoutsByCurrency.merge(other.payoutsByCurrency, uniquingKeysWith: +)
        negativeBalancesCarried += other.negativeBalancesCarried
    }
}
