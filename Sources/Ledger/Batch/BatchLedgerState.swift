/// The rules of a `BatchLedger`, as a synchronous state machine: a batch of two-leg transfers
/// in, the refused ones out. Nothing here awaits or does I/O; the actor around it journals, and
/// recovery replays the journaled batches through this same value, so a recovered ledger is the
/// one that was acknowledged, refusals included.
///
/// Storage is sized once from the configuration: the accounts, the transfer store (with each
/// transfer's links in its two accounts' histories) and the id table. Booking a transfer
/// allocates nothing.
struct BatchLedgerState {
    struct Account: Sendable, Hashable {
        var debitsPosted: Int64 = 0
        var creditsPosted: Int64 = 0
        /// The newest transfer on this account, as its place in the store plus one; 0 for none.
        var newestTransfer: UInt32 = 0
        var flags: AccountFlags = []
    }

    /// A booked transfer and the links that thread it into its accounts' histories.
    struct StoredTransfer: Sendable {
        var id: UInt64
        var amount: Int64
        var debitAccount: UInt32
        var creditAccount: UInt32
        /// The debit account's previous transfer (place in the store plus one; 0 for none).
        var previousOnDebit: UInt32
        /// The credit account's previous transfer.
        var previousOnCredit: UInt32
        var code: UInt16
    }

    let configuration: BatchLedgerConfiguration
    /// Account `n` is at index `n - 1`.
    private(set) var accounts: [Account]
    private(set) var transfers: [StoredTransfer] = []
    private var ids: TransferIDTable
    /// The amounts of every booked transfer, summed as they are booked: the accounts' posted
    /// debits, and their posted credits, must each sum to it (`audit`).
    private(set) var amountPostedTotal: Int128 = 0
    private(set) var batchesApplied: UInt64 = 0
    private(set) var refusalsTotal: UInt64 = 0

    init(configuration: BatchLedgerConfiguration) {
        self.configuration = configuration
        accounts = Array(repeating: Account(), count: configuration.accountCount)
        transfers.reserveCapacity(configuration.transferCapacity)
        ids = TransferIDTable(capacity: configuration.transferCapacity)
    }

    /// Books every transfer of `batch` that passes its checks, in order (a transfer sees the
    /// effects of the ones before it), and returns the refused ones; empty when all were booked.
    mutating func apply(_ batch: TransferBatch) -> [BatchRefusal] {
        var refusals: [BatchRefusal] = []
        // Moved out of `self` for the loop, so that the store, the accounts and the id table
        // can each be borrowed at once; moved back (no copy) at the end.
        var accounts: [Account] = []
        var transfers: [StoredTransfer] = []
        swap(&accounts, &self.accounts)
        swap(&transfers, &self.transfers)
        defer {
            swap(&accounts, &self.accounts)
            swap(&transfers, &self.transfers)
        }
        var amountTotal: Int128 = 0
        accounts.withUnsafeMutableBufferPointer { accounts in
            for index in 0..<batch.count {
                if let error = book(batch, index, accounts, &transfers, &amountTotal) {
                    refusals.append(BatchRefusal(index: Int32(index), error: error))
                }
            }
        }
        amountPostedTotal &+= amountTotal
        batchesApplied += 1
        refusalsTotal += UInt64(refusals.count)
        return refusals
    }

    /// Books transfer `index` of `batch`, or says why not (and books nothing): the body of
    /// `apply`'s loop, the hot path of the batch workload, so always inlined into it.
    @inline(__always)
    private mutating func book(
        _ batch: TransferBatch, _ index: Int, _ accounts: UnsafeMutableBufferPointer<Account>,
        _ transfers: inout [StoredTransfer], _ amountTotal: inout Int128
    ) -> BatchTransferError? {
        let id = batch.ids[index]
        let debit = batch.debitAccounts[index]
        let credit = batch.creditAccounts[index]
        let amount = batch.amounts[index]
        let accountCount = UInt32(truncatingIfNeeded: accounts.count)
        if let error = Self.shapeError(
            id: id, amount: amount, debit: debit, credit: credit, accountCount: accountCount)
        {
            return error
        }
        // The id first: a redelivered transfer must learn that it was booked, whatever the
        // balances say now.
        guard let slot = ids.vacantSlot(for: id) else { return .idExists }
        if transfers.count == configuration.transferCapacity { return .ledgerFull }
        let d = Int(debit &- 1)
        let c = Int(credit &- 1)
        let (debits, debitsOverflow) = accounts[d].debitsPosted.addingReportingOverflow(amount)
        let (credits, creditsOverflow) = accounts[c].creditsPosted.addingReportingOverflow(amount)
        if debitsOverflow { return .debitsOverflow }
        if creditsOverflow { return .creditsOverflow }
        if accounts[d].flags.contains(.debitsMustNotExceedCredits) && debits > accounts[d].creditsPosted {
            return .insufficientFunds
        }
        if accounts[c].flags.contains(.creditsMustNotExceedDebits) && credits > accounts[c].debitsPosted {
            return .exceedsDebits
        }
        ids.fill(slot, with: id)
        let link = UInt32(truncatingIfNeeded: transfers.count + 1)
        transfers.append(
            StoredTransfer(
                id: id, amount: amount, debitAccount: debit, creditAccount: credit,
                previousOnDebit: accounts[d].newestTransfer, previousOnCredit: accounts[c].newestTransfer,
                code: batch.codes[index]))
        accounts[d].debitsPosted = debits
        accounts[d].newestTransfer = link
        accounts[c].creditsPosted = credits
        accounts[c].newestTransfer = link
        amountTotal &+= Int128(amount)
        return nil
    }

    /// What is wrong with a transfer whatever the ledger holds; nil when nothing is.
    @inline(__always)
    private static func shapeError(
        id: UInt64, amount: Int64, debit: UInt32, credit: UInt32, accountCount: UInt32
    ) -> BatchTransferError? {
        if id == 0 || id == .max { return .idInvalid }
        if amount <= 0 { return .amountNotPositive }
        if debit == 0 || debit > accountCount { return .debitAccountNotFound }
        if credit == 0 || credit > accountCount { return .creditAccountNotFound }
        if debit == credit { return .accountsMustBeDifferent }
        return nil
    }

    // MARK: Accounts

    /// Sets the limits of account `account`; false when there is no such account. Existing
    /// balances are not re-checked: a limit constrains future transfers only.
    mutating func setFlags(_ flags: AccountFlags, for account: UInt32) -> Bool {
        guard account >= 1, Int(account) <= accounts.count else { return false }
        accounts[Int(account) - 1].flags = flags
        return true
    }

    /// The account's posted totals; nil when there is no such account.
    func balance(of account: UInt32) -> BatchAccountBalance? {
        guard account >= 1, Int(account) <= accounts.count else { return nil }
        let stored = accounts[Int(account) - 1]
        return BatchAccountBalance(
            account: account, debitsPosted: stored.debitsPosted, creditsPosted: stored.creditsPosted)
    }

    /// The account's transfers, newest first, at most `limit`: a walk of the links threaded
    /// through the store, so it costs one step per transfer returned.
    func history(of account: UInt32, limit: Int) -> [BookedTransfer] {
        guard account >= 1, Int(account) <= accounts.count, limit > 0 else { return [] }
        var result: [BookedTransfer] = []
        var link = accounts[Int(account) - 1].newestTransfer
        while link != 0 && result.count < limit {
            let stored = transfers[Int(link) - 1]
            result.append(
                BookedTransfer(
                    id: stored.id, debitAccount: stored.debitAccount, creditAccount: stored.creditAccount,
                    amount: stored.amount, code: stored.code))
            link = stored.debitAccount == account ? stored.previousOnDebit : stored.previousOnCredit
        }
        return result
    }

    /// Sums the accounts' totals and compares them with what was booked.
    var audit: BatchLedgerAudit {
        var debits: Int128 = 0
        var credits: Int128 = 0
        for account in accounts {
            debits += Int128(account.debitsPosted)
            credits += Int128(account.creditsPosted)
        }
        return BatchLedgerAudit(
            transfers: transfers.count, batches: batchesApplied, refusals: refusalsTotal,
            amountPostedTotal: amountPostedTotal, accountDebitsPostedSum: debits,
            accountCreditsPostedSum: credits, balancesDigest: balancesDigest)
    }

    /// An order-sensitive digest of every account's totals: equal digests, same balances.
    var balancesDigest: UInt64 {
        var digest = LedgerMix.digestSeed
        for account in accounts {
            digest = LedgerMix.fold(digest, UInt64(bitPattern: account.debitsPosted))
            digest = LedgerMix.fold(digest, UInt64(bitPattern: account.creditsPosted))
        }
        return digest
    }
}

/// What one account of a `BatchLedger` holds.
public struct BatchAccountBalance: Sendable, Hashable {
    public var account: UInt32
    public var debitsPosted: Int64
    public var creditsPosted: Int64

    /// Credit-normal: credits less debits.
    public var balance: Int64 { creditsPosted &- debitsPosted }
}

/// A `BatchLedger`'s books summed from its accounts, beside what it booked.
public struct BatchLedgerAudit: Sendable, Hashable {
    public var transfers: Int
    public var batches: UInt64
    public var refusals: UInt64
    public var amountPostedTotal: Int128
    public var accountDebitsPostedSum: Int128
    public var accountCreditsPostedSum: Int128
    public var balancesDigest: UInt64

    /// Double entry holds: the accounts' debits and credits each sum to the amounts booked.
    public var isBalanced: Bool {
        accountDebitsPostedSum == amountPostedTotal && accountCreditsPostedSum == amountPostedTotal
    }
}
