/// What an account holds money for.
///
/// Merchant accounts belong to one merchant; the others are the processor's own *system*
/// accounts, one per currency (and per network for the network accounts). System accounts are
/// touched by a large share of all transfers, so they are *hot*: the ledger stripes them over
/// several shards (see `AccountID.stripe`) so that no single shard actor serializes the run.
public enum AccountKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// What Paystorm owes a merchant: captured payments less fees, refunds and payouts.
    case merchantBalance = 1
    /// Money captured for a merchant that is not yet available (e.g. awaiting settlement).
    case merchantPending = 2
    /// Money withheld from a merchant against future refunds and disputes.
    case merchantReserve = 3
    /// Cardholders' money in flight: charged but not yet received from the network.
    case customerFunds = 4
    /// What a card network or bank rail owes Paystorm for settled payments.
    case networkReceivable = 5
    /// What Paystorm owes a card network or bank rail (refunds, chargebacks, network fees).
    case networkPayable = 6
    /// Paystorm's fee income.
    case feesRevenue = 7
    /// The foreign-exchange position: one per currency, the counterpart of every conversion.
    case fx = 8
    /// Money set aside to fund refunds.
    case refundsReserve = 9
    /// Money set aside to fund disputes (chargebacks).
    case disputesReserve = 10
    /// The settlement bank: money leaving to merchants' bank accounts (payouts) or arriving.
    case bank = 11

    /// Merchant accounts have an owner; system accounts do not.
    public var isMerchantAccount: Bool {
        switch self {
        case .merchantBalance, .merchantPending, .merchantReserve: true
        default: false
        }
    }

    /// Network accounts exist once per card network or bank rail.
    public var isNetworkAccount: Bool { self == .networkReceivable || self == .networkPayable }

    /// Hot accounts are striped over shards. Every system account is hot: each one is shared by
    /// all merchants of its currency.
    public var isStriped: Bool { !isMerchantAccount }

    public var description: String {
        switch self {
        case .merchantBalance: "merchant_balance"
        case .merchantPending: "merchant_pending"
        case .merchantReserve: "merchant_reserve"
        case .customerFunds: "customer_funds"
        case .networkReceivable: "network_receivable"
        case .networkPayable: "network_payable"
        case .feesRevenue: "fees_revenue"
        case .fx: "fx"
        case .refundsReserve: "refunds_reserve"
        case .disputesReserve: "disputes_reserve"
        case .bank: "bank"
        }
    }
}
