import Core
import Synchronization

/// One shard of the ledger: owns a subset of the accounts (and of the stripes of hot accounts)
/// and books their legs.
///
/// A thin shell around `LedgerShardState` behind a lock: every method runs to completion under
/// it without suspending, so a shard's decisions are never interleaved with another caller's.
/// Cross-shard atomicity is the coordinator's job (`ShardedLedger.submit`), built on `prepare`
/// and `finish`, and no lock is held across shards.
///
/// A lock rather than an actor: nothing here suspends, so an actor orders the same calls the
/// same way at the price of two executor jobs (a hop onto the shard and back) for every step
/// of every booking, and a reader (an HTTP server answering a merchant's balance on its event
/// loop) had to queue behind the bookings. Uncontended, the lock costs two atomic operations.
public final class LedgerShard: Sendable {
    private let state: Mutex<LedgerShardState>

    init(index: Int, configuration: LedgerConfiguration) {
        self.index = index
        state = Mutex(LedgerShardState(index: index, configuration: configuration))
    }

    /// Position of this shard in the ledger's shard array.
    public let index: Int

    func apply(_ batch: ShardBatch) -> [TransferOutcome] { state.withLock { $0.apply(batch) } }
    func apply(_ batch: ShardBatch, into outcomes: inout [TransferOutcome]) {
        state.withLock { $0.apply(batch, into: &outcomes) }
    }

    /// Books `singles` (transfers wholly on this shard) and prepares `cross` (this shard's part
    /// of transfers that span shards), in one hop.
    func applyAndPrepare(_ singles: ShardBatch, _ cross: ShardBatch) -> ShardAnswer {
        state.withLock { $0.applyAndPrepare(singles, cross) }
    }
    func finish(_ batch: ShardBatch, _ decisions: [ShardDecision]) {
        state.withLock { $0.finish(batch, decisions) }
    }
    func setFlags(_ flags: AccountFlags, for account: AccountID) -> Bool {
        state.withLock { $0.setFlags(flags, for: account) }
    }

    /// Replaces a pristine state with `restored` (a snapshot's or a fold's); false, and nothing
    /// changed, when this shard has booked or opened anything already.
    func install(_ restored: LedgerShardState) -> Bool {
        state.withLock { state in
            guard state.isPristine, restored.index == index else { return false }
            state = restored
            return true
        }
    }

    /// The totals of `account` (one stripe) on this shard; zero if it was never used.
    public func snapshot(of account: AccountID) -> AccountSnapshot {
        state.withLock { $0.snapshot(of: account) }
    }

    /// The totals of several accounts (stripes) on this shard, in the order asked.
    public func snapshots(of accounts: [AccountID]) -> [AccountSnapshot] { snapshotsNow(of: accounts) }

    /// The same, under another name kept for the readers that must not wait: what the shard has
    /// booked so far, a booking being made either wholly in or wholly out of it.
    public func snapshotsNow(of accounts: [AccountID]) -> [AccountSnapshot] {
        state.withLock { state in accounts.map { state.snapshot(of: $0) } }
    }

    /// Every account (stripe) this shard holds, in the order it first used them.
    public func snapshots() -> [AccountSnapshot] { state.withLock { $0.snapshots } }

    /// The most recent entries this shard booked, oldest first (at most
    /// `Configuration.entryHistoryPerShard`).
    public func recentEntries() -> [LedgerEntry] { state.withLock { $0.entries.elements } }

    /// The order in which this shard committed transfers, as a digest.
    public func traceDigest() -> UInt64 { state.withLock { $0.traceDigest } }

    func reconciliationPart() -> ShardReconciliation {
        state.withLock { state in Self.reconciliationPart(of: state) }
    }

    private static func reconciliationPart(of state: LedgerShardState) -> ShardReconciliation {
        var balances = [Int128](repeating: 0, count: Currency.all.count)
        var debitsPending = [Int128](repeating: 0, count: Currency.all.count)
        var creditsPending = [Int128](repeating: 0, count: Currency.all.count)
        for account in state.accounts {
            let currency = account.id.currencyIndex
            balances[currency] += Int128(account.balance)
            debitsPending[currency] += Int128(account.debitsPending)
            creditsPending[currency] += Int128(account.creditsPending)
        }
        return ShardReconciliation(
            totals: state.totals, balanceSums: balances, accountDebitsPending: debitsPending,
            accountCreditsPending: creditsPending, nets: state.nets.elements, committed: state.committed,
            inFlight: state.inFlightCount, openPending: state.openPendingCount, traceDigest: state.traceDigest
        )
    }
}

/// What one shard contributes to `ShardedShardedLedger.reconcile()`.
struct ShardReconciliation: Sendable {
    var totals: [LedgerShardState.CurrencyTotals]
    /// Sums over the shard's accounts, computed from the accounts, not from the running totals.
    var balanceSums: [Int128]
    var accountDebitsPending: [Int128]
    var accountCreditsPending: [Int128]
    var nets: [TransferNet]
    var committed: UInt64
    var inFlight: Int
    var openPending: Int
    var traceDigest: UInt64
}

/// A shard's answer to `applyAndPrepare`: outcomes of its own transfers, votes on shared ones.
struct ShardAnswer: Sendable {
    var applied: [TransferOutcome]
    /// `.applied` means prepared (reserved, awaiting the coordinator's decision).
    var votes: [TransferOutcome]
}
