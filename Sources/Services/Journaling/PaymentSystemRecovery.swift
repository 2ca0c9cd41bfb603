import Core
import Journal
import Ledger

/// Everything recovery rebuilt from a journal.
public struct RecoveredPaymentSystem: Sendable {
    /// Each payment as its process replayed the journal: state, amounts, open hold, amounts
    /// booked in the settlement currency, card fields (with the run's journal key).
    public let payments: [PaymentID: PaymentRecord]
    /// A fresh ledger holding every journaled transfer (and every booking recovery finished).
    public let ledger: ShardedLedger
    public internal(set) var report: PaymentRecoveryReport
    /// Intended transfers the ledger had not journaled, which recovery booked.
    package let rolledForward: [Transfer]
    /// The finished fold: merchants, idempotency keys and their answers, API key hashes,
    /// payouts, id allocators, the payments retired (after their journeys ended: a client told
    /// about one was answered and its payment checked by the run; a resumed system need not
    /// hold it).
    let state: PaymentRecoveryState

    /// Merchants and the currency each settles in.
    public var merchants: [MerchantID: Currency] { state.merchants }
    /// `merchant/key` to the payment a request began without a durable answer.
    package var startedKeys: [String: PaymentID] { state.startedKeys }
    /// Payments retired after their journeys ended: not in `payments`.
    package var retired: RetiredPayments { state.retired }
    /// Webhook events emitted and never settled, by id.
    package var pendingWebhooks: [PendingWebhook] { state.owedWebhooks }
    /// Each payment's card fields, opened with the run's journal key (none without one).
    package var cards: [PaymentID: JournaledCardFields] { payments.compactMapValues(\.card) }
}

/// Rebuilds a payment system's state from its journal: merchants, payments (state and amounts),
/// idempotency keys and ledger balances, then checks the invariants a crash must not break.
///
/// One pass over the journal from its latest snapshot (`RecoverySnapshot`, written by
/// `JournalCheckpointer`) or, without one, from its first record: a `RecoveryFold` takes the
/// records in order (ledger transfers into a `LedgerFold`, everything else into
/// `PaymentRecoveryState`, which hands each payment's records to its `PaymentProcess`). Starting
/// from a snapshot gives exactly what starting from zero gives, because the snapshot is that
/// same fold stopped at its position. At the end, crash repair: the transfers of bookings
/// (journaled with their transitions, or as intents) the ledger never journaled are booked
/// (exactly-once makes that safe), so that no payment is left half-booked. The folded ledger is
/// then installed into the live one.
///
/// Memory: the rebuilt state plus the intended transfers the ledger has not journaled yet.
public enum PaymentSystemRecovery {
    /// - Parameters:
    ///   - journal: opened journal (a file journal has already truncated a torn tail).
    ///   - ledgerConfiguration: the fresh ledger's sizes; limits must match the run's (the
    ///     payment system's ledger has none by default).
    ///   - cipher: opens the card fields sealed under the run's journal key; required when the
    ///     journal holds any.
    /// - Throws: `JournalError` if a record cannot be read, `RecoveryError` if one does not
    ///   decode, if sealed card fields do not open with `cipher` (or there is none), or if the
    ///   latest snapshot is unreadable (`.unreadableSnapshot`: never replayed around).
    public static func recover(
        from journal: any Journal, ledgerConfiguration: LedgerConfiguration = LedgerConfiguration(),
        cipher: FieldCipher? = nil
    ) async throws -> RecoveredPaymentSystem {
        try await recover(
            from: journal, into: ShardedLedger(configuration: ledgerConfiguration), cipher: cipher)
    }

    /// Recovers into `ledger`, which must be empty (a resumed `PaymentSystem`'s own ledger,
    /// whose journaling is held off while the journal's state is installed into it).
    public static func recover(
        from journal: any Journal, into ledger: ShardedLedger, cipher: FieldCipher? = nil
    ) async throws -> RecoveredPaymentSystem {
        let (fold, start) = try await fold(journal, ledgerConfiguration: ledger.configuration, cipher: cipher)
        var recovered = try await finish(fold, into: ledger)
        recovered.report.recordsReplayed = fold.records - start.records
        recovered.report.snapshotPosition = start.position == .origin ? nil : start.position
        return recovered
    }

    /// The webhook events a live system still owes its merchants, read from its journal: the
    /// events its journaled transitions emitted less those a `webhookSettled` record shows
    /// delivered or dead-lettered. What a restarted webhook dispatcher rebuilds its deliveries
    /// from, and what the run checks is empty at its end.
    ///
    /// The fold from the latest snapshot (or the first record), without crash repair: the
    /// process is alive, and books what its ledger has not journaled yet.
    /// - Throws: what `recover` throws for a record or snapshot it cannot read.
    package static func owedWebhooks(
        in journal: any Journal, ledgerConfiguration: LedgerConfiguration = LedgerConfiguration(),
        cipher: FieldCipher? = nil
    ) async throws -> [PendingWebhook] {
        try await fold(journal, ledgerConfiguration: ledgerConfiguration, cipher: cipher).fold.state
            .owedWebhooks
    }

    /// The fold of the whole journal, from its latest snapshot (`start`) or its first record.
    private static func fold(
        _ journal: any Journal, ledgerConfiguration: LedgerConfiguration, cipher: FieldCipher?
    ) async throws -> (fold: RecoveryFold, start: RecoveryFold) {
        let start = try await startingFold(
            journal: journal, ledgerConfiguration: ledgerConfiguration, cipher: cipher)
        var fold = start
        for try await entry in journal.entries(from: fold.position.next) { try fold.apply(entry) }
        return (fold, start)
    }

    /// The fold the journal's latest snapshot holds, or an empty one.
    /// - Throws: `RecoveryError.unreadableSnapshot`, `.cardFields`; `JournalError` when the
    ///   backend cannot read its snapshot.
    static func startingFold(
        journal: any Journal, ledgerConfiguration: LedgerConfiguration, cipher: FieldCipher?
    ) async throws -> RecoveryFold {
        if let snapshot = try await journal.latestSnapshot() {
            return try RecoverySnapshot.decode(
                snapshot, ledgerConfiguration: ledgerConfiguration, cipher: cipher)
        }
        return RecoveryFold(
            state: PaymentRecoveryState(cipher: cipher),
            ledger: try LedgerFold(configuration: ledgerConfiguration))
    }

    /// Crash repair, the ledger's installation and every invariant check, after the last record.
    static func finish(
        _ fold: RecoveryFold, into ledger: ShardedLedger
    ) async throws -> RecoveredPaymentSystem {
        var state = fold.state
        var ledgerFold = fold.ledger
        let rolledForward = state.finish()
        for transfer in rolledForward { ledgerFold.add(transfer) }
        let replay = ledgerFold.finish()
        try await ledgerFold.install(into: ledger)
        let reconciliation = await ledger.reconcile()

        var report = state.report
        report.records = fold.records
        report.recordsByType[LedgerTransferRecord.recordType] =
            replay.transfersRead - report.transfersRolledForward
        report.ledgerReplay = replay
        report.reconciliation = reconciliation
        var reconciles = PaymentRecoveryReport.Invariant("ledger_reconciles")
        if !reconciliation.isBalanced { reconciles.violated(reconciliation.description) }
        var complete = PaymentRecoveryReport.Invariant("every_journaled_transfer_replayed")
        for example in replay.rejectedExamples { complete.violated(example) }
        if replay.rejected > complete.violations {
            complete.violations = replay.rejected
        }
        report.invariants = [reconciles, complete] + state.paymentInvariants()
        return RecoveredPaymentSystem(
            payments: state.records, ledger: ledger, report: report, rolledForward: rolledForward,
            state: state)
    }
}

/// Why recovery stopped before rebuilding anything.
public enum RecoveryError: Error, Sendable, CustomStringConvertible {
    /// A record passed its checksum but does not decode (a newer build's record, or a bug).
    case undecodable(JournalPosition, JournalError)
    /// A system was to be rebuilt from its journal, but its configuration names none.
    case noJournal
    /// The card fields sealed in the record at this position do not open: no journal key was
    /// given, or not the key the run was given (or the sealed bytes were tampered with).
    case cardFields(JournalPosition, String)
    /// The journal's latest snapshot (covering records up to this position) fails its checksum,
    /// does not decode, or was written by a newer build. Recovery stops rather than replay the
    /// tail onto a state it cannot trust, or replay from zero records a memory journal may have
    /// dropped.
    case unreadableSnapshot(JournalPosition, String)
    /// The record at this position is of payment journal format `version`, which this build
    /// does not read (`PaymentJournalRecord.formatVersion`).
    case journalFormat(JournalPosition, version: UInt8)

    public var description: String {
        switch self {
        case .undecodable(let position, let error): "journal record at \(position) does not decode: \(error)"
        case .noJournal: "no journal to recover from: the configuration's journal keeps nothing"
        case .cardFields(let position, let reason):
            "the encrypted card fields of the journal record at \(position) do not open: \(reason); "
                + "give the journal key the run was given (--journal-key or PAYSTORM_JOURNAL_KEY)"
        case .unreadableSnapshot(let position, let reason):
            "the journal's snapshot at \(position) is unreadable: \(reason); recovery refuses to "
                + "replay the records after it onto a state it cannot trust"
        case .journalFormat(let position, let version):
            "the journal record at \(position) is of payment journal format \(version); this build reads "
                + "format \(PaymentJournalRecord.formatVersion) only (recover it with the build that wrote it)"
        }
    }
}
