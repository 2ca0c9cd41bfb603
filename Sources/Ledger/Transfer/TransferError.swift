import Core

/// Why the ledger refused a transfer. Nothing of a refused transfer is booked on any shard.
public enum TransferError: Error, Hashable, Sendable, CustomStringConvertible {
    // Validation: the transfer itself is malformed.
    /// Transfer ids 0 and `UInt64.max` are reserved; a post or void must name another transfer.
    case invalidID(TransferID)
    case empty
    case tooManyLegs(count: Int, max: Int)
    case zeroAmount(leg: Int)
    case negativeAmount(leg: Int)
    /// A leg's account is in another currency than the transfer.
    case mixedCurrency(leg: Int, account: AccountID)
    /// An account id that no constructor makes (unknown kind or currency).
    case invalidAccount(leg: Int)
    case unbalanced(debits: Int64, credits: Int64)
    /// The legs' sums, or an account's totals, would not fit in Int64.
    case overflow(account: AccountID?)

    // Ledger state.
    /// The account's limit (counting pending holds) does not allow the debit.
    case insufficientFunds(account: AccountID)
    /// The account's limit (counting pending holds) does not allow the credit.
    case exceedsDebits(account: AccountID)
    case pendingNotFound(TransferID)
    /// The post or void names other accounts, sides or leg order than its pending transfer.
    case pendingMismatch(TransferID)
    /// A post leg moves more than was held.
    case postExceedsPending(leg: Int)
    /// Another post or void of the same pending transfer is being applied right now.
    case pendingBeingResolved(TransferID)
    /// Another delivery of the same transfer id is being applied right now; retry to learn its
    /// outcome.
    case inFlight
    /// The id is older than the deduplication window remembers: applying it could apply it
    /// twice, so the ledger refuses (see `TransferIDWindow`).
    case tooOldToDeduplicate
    case tooManyAccounts
    case tooManyPending

    /// A short stable code, for counting rejections by reason.
    public var reason: String {
        switch self {
        case .invalidID: "invalid_id"
        case .empty: "empty"
        case .tooManyLegs: "too_many_legs"
        case .zeroAmount: "zero_amount"
        case .negativeAmount: "negative_amount"
        case .mixedCurrency: "mixed_currency"
        case .invalidAccount: "invalid_account"
        case .unbalanced: "unbalanced"
        case .overflow: "overflow"
        case .insufficientFunds: "insufficient_funds"
        case .exceedsDebits: "exceeds_debits"
        case .pendingNotFound: "pending_not_found"
        case .pendingMismatch: "pending_mismatch"
        case .postExceedsPending: "post_exceeds_pending"
        case .pendingBeingResolved: "pending_being_resolved"
        case .inFlight: "in_flight"
        case .tooOldToDeduplicate: "too_old_to_deduplicate"
        case .tooManyAccounts: "too_many_accounts"
        case .tooManyPending: "too_many_pending"
        }
    }

    public var description: String {
        switch self {
        case .invalidID(let id): "invalid transfer id \(id)"
        case .empty: "transfer has no legs"
        case .tooManyLegs(let count, let max): "transfer has \(count) legs (max \(max))"
        case .zeroAmount(let leg): "leg \(leg) has a zero amount"
        case .negativeAmount(let leg): "leg \(leg) has a negative amount"
        case .mixedCurrency(let leg, let account): "leg \(leg) account \(account) is in another currency"
        case .invalidAccount(let leg): "leg \(leg) names an invalid account"
        case .unbalanced(let debits, let credits): "unbalanced: debits \(debits) != credits \(credits)"
        case .overflow(let account): "amount overflow" + (account.map { " on \($0)" } ?? "")
        case .insufficientFunds(let account): "insufficient funds on \(account)"
        case .exceedsDebits(let account): "credit would exceed debits on \(account)"
        case .pendingNotFound(let id):
            "pending transfer \(id) not found (never created, or already posted or voided)"
        case .pendingMismatch(let id): "post or void does not match the legs of pending transfer \(id)"
        case .postExceedsPending(let leg): "leg \(leg) posts more than it held"
        case .pendingBeingResolved(let id): "pending transfer \(id) is being posted or voided concurrently"
        case .inFlight: "the same transfer id is being applied concurrently"
        case .tooOldToDeduplicate: "transfer id is older than the deduplication window"
        case .tooManyAccounts: "shard account limit reached"
        case .tooManyPending: "shard pending-transfer limit reached"
        }
    }
}

/// What became of one submitted transfer.
public enum TransferOutcome: Hashable, Sendable, CustomStringConvertible {
    /// Booked now, on every shard it touches.
    case applied
    /// Booked by an earlier delivery of the same id; nothing was booked now.
    case alreadyApplied
    /// Nothing was booked.
    case rejected(TransferError)

    public var description: String {
        switch self {
        case .applied: "applied"
        case .alreadyApplied: "already_applied"
        case .rejected(let error): "rejected(\(error.reason))"
        }
    }
}
