import Core

/// One leg as booked on one account (stripe), with the balance it left behind.
public struct LedgerEntry: Hashable, Sendable, CustomStringConvertible {
    /// What the entry did to the account.
    public enum Kind: UInt8, Hashable, Sendable {
        /// A single-phase transfer moved `amount`.
        case posted
        /// A pending transfer placed a hold of `amount`.
        case held
        /// A post moved `amount` and released the leg's whole hold.
        case holdPosted
        /// A void released a hold of `amount`.
        case holdVoided
    }

    public var transfer: TransferID
    public var account: AccountID
    public var amount: Int64
    public var side: Transfer.Side
    public var kind: Kind
    /// Credit-normal posted balance of the account (stripe) after this entry.
    public var balanceAfter: Int64
    /// Pending debits (for a debit) or credits (for a credit) of the account after this entry.
    public var pendingAfter: Int64

    public var description: String {
        "\(transfer) \(kind) \(side == .debit ? "Dr" : "Cr") \(account) \(amount) -> balance \(balanceAfter)"
    }
}

/// One shard's part of one transfer, for per-transfer balance checks across shards: summing
/// the parts of one id over all shards must give zero.
struct TransferNet: Sendable {
    var id: UInt64
    /// Credits less debits this shard booked for the transfer (wrapping: a sum of balanced parts
    /// is exact modulo 2^64).
    var net: Int64
    /// Legs routed to this shard (what it was asked to book, not what it booked: a shard that
    /// drops a leg still reports it here, so the missing amount shows in `net`).
    var legs: UInt16
    var legsTotal: UInt16
    var currencyIndex: UInt8
}
