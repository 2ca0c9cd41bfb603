import Core

/// The rules of one ledger shard, as a synchronous state machine: the `LedgerShard` actor holds
/// one and calls it, and nothing here awaits, so no decision straddles a suspension.
///
/// A transfer is booked in two steps, *prepare* (validate against the shard's state and reserve:
/// amounts become pending on their accounts, the id is marked in flight, a post or void marks
/// its pending transfer as being resolved) and *commit* (book) or *release* (undo the
/// reservation). Everything a prepare checked stays true until its commit because the
/// reservation is visible to every later prepare: that is what makes a cross-shard transfer
/// atomic although its shards are visited one after another. A transfer whose legs all live on
/// this shard prepares and commits in one call (`apply`).
struct LedgerShardState {
    struct Account {
        var id: AccountID
        var flags: AccountFlags
        var debitsPosted: Int64 = 0
        var creditsPosted: Int64 = 0
        /// Holds of pending transfers plus reservations of transfers being prepared.
        var debitsPending: Int64 = 0
        var creditsPending: Int64 = 0

        var balance: Int64 { creditsPosted - debitsPosted }
    }

    /// One leg of an open pending transfer held on this shard.
    struct Hold {
        var slot: Int32
        var amount: Int64
        var legIndex: UInt16
        var side: Transfer.Side
    }

    struct OpenPending {
        var holds: [Hold]
        var legsTotal: UInt16
        var currencyIndex: UInt8
        /// A post or void of it is prepared: a second one must wait or fail.
        var resolving = false
    }

    /// Running totals of one currency on this shard. Int128: a long run's sums may pass Int64.
    struct CurrencyTotals: Sendable {
        var debitsPosted: Int128 = 0
        var creditsPosted: Int128 = 0
        var debitsPending: Int128 = 0
        var creditsPending: Int128 = 0
        /// Sum over posted transfers of (credits - debits booked here) * mix(transfer id),
        /// wrapping. Summed over all shards it is 0 if every transfer balanced; one unbalanced
        /// transfer makes it nonzero (except with probability 2^-64). Constant memory, whole run.
        var fingerprint: UInt64 = 0
        var transfers: UInt64 = 0
    }

    let index: Int
    let configuration: LedgerConfiguration
    var accountSlots = AccountSlotTable()
    var accounts: [Account] = []
    var window: TransferIDWindow
    var inFlight: Set<UInt64> = []
    var pending: [UInt64: OpenPending] = [:]
    var entries: RingBuffer<LedgerEntry>
    var nets: RingBuffer<TransferNet>
    var totals: [CurrencyTotals]
    /// Order-sensitive digest of the ids this shard committed, in commit order.
    var traceDigest = LedgerMix.digestSeed
    var committed: UInt64 = 0
    /// Account slots of the legs being prepared or committed; reused, never reallocated.
    private var scratch: [Int32] = []

    init(index: Int, configuration: LedgerConfiguration) {
        self.index = index
        self.configuration = configuration
        window = TransferIDWindow(capacity: configuration.deduplicationWindowPerShard)
        entries = RingBuffer(capacity: configuration.entryHistoryPerShard)
        nets = RingBuffer(capacity: configuration.transferNetHistoryPerShard)
        totals = Array(repeating: CurrencyTotals(), count: Currency.all.count)
        scratch.reserveCapacity(configuration.legsPerTransferMax)
    }

    var inFlightCount: Int { inFlight.count }
    var openPendingCount: Int { pending.count }

    // MARK: Batches

    /// Prepares and commits each transfer of `batch` (all of whose legs live on this shard).
    mutating func apply(_ batch: ShardBatch) -> [TransferOutcome] {
        var outcomes: [TransferOutcome] = []
        outcomes.reserveCapacity(batch.headers.count)
        batch.legs.withUnsafeBufferPointer { legs in
            for header in batch.headers {
                if let refusal = prepare(header, legs, markInFlight: false) {
                    outcomes.append(refusal)
                } else {
                    commit(header, legs, wasInFlight: false)
                    outcomes.append(.applied)
                }
            }
        }
        return outcomes
    }

    /// `apply`, each outcome written at its transfer's position in the submission
    /// (`Header.origin`): a round that involves this shard alone (a payment's every round)
    /// needs no array of answers of its own.
    mutating func apply(_ batch: ShardBatch, into outcomes: inout [TransferOutcome]) {
        batch.legs.withUnsafeBufferPointer { legs in
            for header in batch.headers {
                if let refusal = prepare(header, legs, markInFlight: false) {
                    outcomes[Int(header.origin)] = refusal
                } else {
                    commit(header, legs, wasInFlight: false)
                    outcomes[Int(header.origin)] = .applied
                }
            }
        }
    }

    /// Books `singles` (transfers wholly on this shard) and prepares `cross` (this shard's part
    /// of transfers that span shards): the first step of a round (`RoundCoordinator`).
    mutating func applyAndPrepare(_ singles: ShardBatch, _ cross: ShardBatch) -> ShardAnswer {
        ShardAnswer(
            applied: singles.isEmpty ? [] : apply(singles),
            votes: cross.isEmpty ? [] : prepare(cross))
    }

    /// Prepares each transfer of `batch`; `.applied` in the result means "prepared".
    mutating func prepare(_ batch: ShardBatch) -> [TransferOutcome] {
        var votes: [TransferOutcome] = []
        votes.reserveCapacity(batch.headers.count)
        batch.legs.withUnsafeBufferPointer { legs in
            for header in batch.headers {
                votes.append(prepare(header, legs, markInFlight: true) ?? .applied)
            }
        }
        return votes
    }

    /// Commits or releases what `prepare(batch)` prepared, as the coordinator decided.
    mutating func finish(_ batch: ShardBatch, _ decisions: [ShardDecision]) {
        precondition(decisions.count == batch.headers.count, "one decision per prepared transfer")
        batch.legs.withUnsafeBufferPointer { legs in
            for (header, decision) in zip(batch.headers, decisions) {
                switch decision {
                case .commit:
                    precondition(inFlight.contains(header.id), "commit of a transfer that was not prepared")
                    resolveSlots(header, legs)
                    commit(header, legs, wasInFlight: true)
                case .release:
                    release(header, legs)
                case .skip:
                    break
                }
            }
        }
    }

    // MARK: One transfer

    /// Checks and reserves one transfer. Returns nil when prepared (with `scratch` holding the
    /// legs' account slots), else the outcome to report; a refusal leaves nothing reserved.
    private mutating func prepare(
        _ header: ShardBatch.Header, _ legs: UnsafeBufferPointer<ShardBatch.Leg>, markInFlight: Bool
    ) -> TransferOutcome? {
        let id = header.id
        if window.contains(id) { return .alreadyApplied }
        if !inFlight.isEmpty && inFlight.contains(id) { return .rejected(.inFlight) }
        if window.isTooOld(id) { return .rejected(.tooOldToDeduplicate) }
        let start = Int(header.legStart)
        let count = Int(header.legCount)
        scratch.removeAll(keepingCapacity: true)
        switch header.phase {
        case .single, .pending:
            if header.phase == .pending && pending.count >= configuration.pendingPerShardMax {
                return .rejected(.tooManyPending)
            }
            for k in 0..<count {
                let leg = legs[start + k]
                guard let slot = slot(for: leg.account) else {
                    unreserve(count: k, legs, from: start)
                    return .rejected(.tooManyAccounts)
                }
                if let error = reserve(Int(slot), leg) {
                    unreserve(count: k, legs, from: start)
                    return .rejected(error)
                }
                scratch.append(slot)
            }
        case .post, .void:
            let pendingID = header.pendingID
            guard let open = pending[pendingID] else {
                return .rejected(.pendingNotFound(TransferID(pendingID)))
            }
            if open.resolving { return .rejected(.pendingBeingResolved(TransferID(pendingID))) }
            guard open.legsTotal == header.legCountTotal, open.holds.count == count else {
                return .rejected(.pendingMismatch(TransferID(pendingID)))
            }
            for k in 0..<count {
                let leg = legs[start + k]
                let hold = open.holds[k]
                guard hold.legIndex == leg.legIndex, hold.side == leg.side,
                    accounts[Int(hold.slot)].id == leg.account
                else { return .rejected(.pendingMismatch(TransferID(pendingID))) }
                if header.phase == .post && leg.amount > hold.amount {
                    return .rejected(.postExceedsPending(leg: Int(leg.legIndex)))
                }
            }
            pending[pendingID]!.resolving = true
        }
        if markInFlight { inFlight.insert(id) }
        return nil
    }

    /// Reserves one leg's amount as pending, if the account's limit allows it.
    private mutating func reserve(_ slot: Int, _ leg: ShardBatch.Leg) -> TransferError? {
        let account = accounts[slot]
        switch leg.side {
        case .debit:
            let (committed, overflow1) = account.debitsPosted.addingReportingOverflow(account.debitsPending)
            let (after, overflow2) = committed.addingReportingOverflow(leg.amount)
            if overflow1 || overflow2 { return .overflow(account: account.id) }
            if account.flags.contains(.debitsMustNotExceedCredits) && after > account.creditsPosted {
                return .insufficientFunds(account: account.id)
            }
            accounts[slot].debitsPending &+= leg.amount
        case .credit:
            let (committed, overflow1) = account.creditsPosted.addingReportingOverflow(account.creditsPending)
            let (after, overflow2) = committed.addingReportingOverflow(leg.amount)
            if overflow1 || overflow2 { return .overflow(account: account.id) }
            if account.flags.contains(.creditsMustNotExceedDebits) && after > account.debitsPosted {
                return .exceedsDebits(account: account.id)
            }
            accounts[slot].creditsPending &+= leg.amount
        }
        return nil
    }

    /// Undoes the reservations of the first `count` legs (whose slots are in `scratch`).
    private mutating func unreserve(
        count: Int, _ legs: UnsafeBufferPointer<ShardBatch.Leg>, from start: Int
    ) {
        for k in 0..<count {
            let leg = legs[start + k]
            let slot = Int(scratch[k])
            switch leg.side {
            case .debit: accounts[slot].debitsPending &-= leg.amount
            case .credit: accounts[slot].creditsPending &-= leg.amount
            }
        }
    }

    /// Fills `scratch` with the slots of a prepared transfer's legs (they exist: prepare made them).
    private mutating func resolveSlots(
        _ header: ShardBatch.Header, _ legs: UnsafeBufferPointer<ShardBatch.Leg>
    ) {
        scratch.removeAll(keepingCapacity: true)
        guard header.phase == .single || header.phase == .pending else { return }
        let start = Int(header.legStart)
        for k in 0..<Int(header.legCount) {
            guard let slot = accountSlots[legs[start + k].account] else {
                preconditionFailure("prepared leg on an unknown account")
            }
            scratch.append(slot)
        }
    }

    /// Undoes a prepare the coordinator abandoned.
    private mutating func release(_ header: ShardBatch.Header, _ legs: UnsafeBufferPointer<ShardBatch.Leg>) {
        guard inFlight.remove(header.id) != nil else {
            preconditionFailure("release of an unprepared transfer")
        }
        switch header.phase {
        case .single, .pending:
            resolveSlots(header, legs)
            unreserve(count: Int(header.legCount), legs, from: Int(header.legStart))
        case .post, .void:
            pending[header.pendingID]?.resolving = false
        }
    }

    /// Books a prepared transfer: the step that cannot fail.
    private mutating func commit(
        _ header: ShardBatch.Header, _ legs: UnsafeBufferPointer<ShardBatch.Leg>, wasInFlight: Bool
    ) {
        let net: Int64 =
            switch header.phase {
            case .single: commitPosted(header, legs)
            case .pending: commitHeld(header, legs)
            case .post, .void: commitResolution(header, legs)
            }
        let id = header.id
        window.insert(id)
        if wasInFlight { inFlight.remove(id) }
        totals[Int(header.currencyIndex)].transfers &+= 1
        committed &+= 1
        traceDigest = LedgerMix.fold(traceDigest, id)
        nets.append(
            TransferNet(
                id: id, net: net, legs: header.legCount, legsTotal: header.legCountTotal,
                currencyIndex: header.currencyIndex))
    }

    /// Posts a single-phase transfer's legs (their slots in `scratch`); returns its net here.
    @inline(__always)
    private mutating func commitPosted(
        _ header: ShardBatch.Header, _ legs: UnsafeBufferPointer<ShardBatch.Leg>
    ) -> Int64 {
        let transferID = TransferID(header.id)
        let start = Int(header.legStart)
        let currency = Int(header.currencyIndex)
        // Summed here and added to the totals once: validation guarantees that a transfer's
        // debits and its credits each fit an Int64.
        var debits: Int64 = 0
        var credits: Int64 = 0
        for k in 0..<Int(header.legCount) {
            let leg = legs[start + k]
            let slot = Int(scratch[k])
            let amount = leg.amount
            switch leg.side {
            case .debit:
                accounts[slot].debitsPending &-= amount
                accounts[slot].debitsPosted &+= amount
                debits &+= amount
            case .credit:
                accounts[slot].creditsPending &-= amount
                accounts[slot].creditsPosted &+= amount
                credits &+= amount
            }
            record(transferID, leg.account, slot, leg.side, amount, .posted)
        }
        totals[currency].debitsPosted &+= Int128(debits)
        totals[currency].creditsPosted &+= Int128(credits)
        let net = credits &- debits
        totals[currency].fingerprint &+= UInt64(bitPattern: net) &* LedgerMix.mix(header.id)
        return net
    }

    /// Turns a pending transfer's reservations (slots in `scratch`) into open holds; returns
    /// its net here.
    @inline(__always)
    private mutating func commitHeld(
        _ header: ShardBatch.Header, _ legs: UnsafeBufferPointer<ShardBatch.Leg>
    ) -> Int64 {
        let transferID = TransferID(header.id)
        let start = Int(header.legStart)
        let count = Int(header.legCount)
        let currency = Int(header.currencyIndex)
        var net: Int64 = 0
        var holds: [Hold] = []
        holds.reserveCapacity(count)
        for k in 0..<count {
            let leg = legs[start + k]
            let slot = scratch[k]
            switch leg.side {
            case .debit:
                totals[currency].debitsPending &+= Int128(leg.amount)
                net &-= leg.amount
            case .credit:
                totals[currency].creditsPending &+= Int128(leg.amount)
                net &+= leg.amount
            }
            holds.append(Hold(slot: slot, amount: leg.amount, legIndex: leg.legIndex, side: leg.side))
            record(transferID, leg.account, Int(slot), leg.side, leg.amount, .held)
        }
        pending[header.id] = OpenPending(
            holds: holds, legsTotal: header.legCountTotal, currencyIndex: header.currencyIndex)
        return net
    }

    /// Posts (up to the held amounts) or voids a pending transfer's holds; returns the net here.
    @inline(__always)
    private mutating func commitResolution(
        _ header: ShardBatch.Header, _ legs: UnsafeBufferPointer<ShardBatch.Leg>
    ) -> Int64 {
        guard let open = pending.removeValue(forKey: header.pendingID), open.resolving else {
            preconditionFailure("commit of a post or void whose pending transfer was not reserved")
        }
        let transferID = TransferID(header.id)
        let start = Int(header.legStart)
        let currency = Int(header.currencyIndex)
        let isPost = header.phase == .post
        var net: Int64 = 0
        for k in 0..<Int(header.legCount) {
            let hold = open.holds[k]
            let slot = Int(hold.slot)
            let moved = isPost ? legs[start + k].amount : 0
            switch hold.side {
            case .debit:
                accounts[slot].debitsPending &-= hold.amount
                accounts[slot].debitsPosted &+= moved
                totals[currency].debitsPending &-= Int128(hold.amount)
                totals[currency].debitsPosted &+= Int128(moved)
                net &-= isPost ? moved : hold.amount
            case .credit:
                accounts[slot].creditsPending &-= hold.amount
                accounts[slot].creditsPosted &+= moved
                totals[currency].creditsPending &-= Int128(hold.amount)
                totals[currency].creditsPosted &+= Int128(moved)
                net &+= isPost ? moved : hold.amount
            }
            record(
                transferID, legs[start + k].account, slot, hold.side, isPost ? moved : hold.amount,
                isPost ? .holdPosted : .holdVoided)
        }
        if isPost { totals[currency].fingerprint &+= UInt64(bitPattern: net) &* LedgerMix.mix(header.id) }
        return net
    }

    @inline(__always)
    private mutating func record(
        _ transfer: TransferID, _ id: AccountID, _ slot: Int, _ side: Transfer.Side, _ amount: Int64,
        _ kind: LedgerEntry.Kind
    ) {
        let account = accounts[slot]
        entries.append(
            LedgerEntry(
                transfer: transfer, account: id, amount: amount, side: side, kind: kind,
                balanceAfter: account.balance,
                pendingAfter: side == .debit ? account.debitsPending : account.creditsPending))
    }

    // MARK: Accounts

    /// The slot of `account`, opening it (with its kind's default flags) on first use; nil when
    /// the shard's account limit is reached.
    private mutating func slot(for account: AccountID) -> Int32? {
        if let slot = accountSlots[account] { return slot }
        guard accounts.count < configuration.accountsPerShardMax else { return nil }
        let slot = Int32(accounts.count)
        let flags = account.kind.flatMap { configuration.defaultFlags[$0] } ?? []
        accounts.append(Account(id: account, flags: flags))
        accountSlots.insert(account, slot: slot)
        return slot
    }

    /// Sets an account's limits, opening it if needed. Existing balances are not re-checked: a
    /// limit constrains future debits and credits only.
    mutating func setFlags(_ flags: AccountFlags, for account: AccountID) -> Bool {
        guard let slot = slot(for: account) else { return false }
        accounts[Int(slot)].flags = flags
        return true
    }

    func snapshot(of account: AccountID) -> AccountSnapshot {
        guard let slot = accountSlots[account] else { return AccountSnapshot(account: account) }
        return Self.snapshot(accounts[Int(slot)])
    }

    var snapshots: [AccountSnapshot] { accounts.map(Self.snapshot) }

    private static func snapshot(_ account: Account) -> AccountSnapshot {
        AccountSnapshot(
            account: account.id, flags: account.flags, debitsPosted: account.debitsPosted,
            creditsPosted: account.creditsPosted, debitsPending: account.debitsPending,
            creditsPending: account.creditsPending)
    }
}
