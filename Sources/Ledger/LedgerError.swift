/// Why a ledger call failed as a whole (as opposed to one transfer being refused, which is a
/// `TransferOutcome.rejected`).
public enum LedgerError: Error, Hashable, Sendable, CustomStringConvertible {
    case invalidConfiguration(String)
    case batchTooLarge(count: Int, max: Int)
    /// A striped account's limit would apply per stripe, which means nothing: refused.
    case cannotLimitStripedAccount(AccountID)
    case invalidAccount(AccountID)
    case tooManyAccounts
    /// The journal refused the batch. Its transfers are booked in memory but were never
    /// acknowledged: treat the ledger as crashed and recover it from the journal.
    case journalFailed(String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let reason): "invalid ledger configuration: \(reason)"
        case .batchTooLarge(let count, let max): "batch of \(count) transfers exceeds the limit of \(max)"
        case .cannotLimitStripedAccount(let account): "\(account) is striped and cannot carry a balance limit"
        case .invalidAccount(let account): "invalid account \(account)"
        case .tooManyAccounts: "shard account limit reached"
        case .journalFailed(let reason): "journal failed: \(reason)"
        }
    }
}
