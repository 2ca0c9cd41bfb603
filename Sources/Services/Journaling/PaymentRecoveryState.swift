import Core
import Journal
import Ledger

/// The synchronous fold behind `PaymentSystemRecovery`: takes the journal's records in order and
/// rebuilds merchants, payments, idempotency keys and the bookings still owed to the ledger,
/// checking as it goes that everything acknowledged was durable first.
///
/// What a payment's records mean is not decided here: each goes to the payment's
/// `PaymentProcess` (`PaymentProcess+Replay`), which replays it with the live path's code. The
/// fold keeps what lies between payments: keys and answers, owed webhooks, transfers the ledger
/// has not journaled, the invariants. No awaits inside: the driver reads entries and feeds
/// ledger transfers to a `LedgerFold`.
///
/// Codable: a snapshot is this value, encoded by `BinaryEncoder` (maps as arrays sorted by key,
/// so that one fold encodes to the same bytes), card fields sealed as the journal holds them.
struct PaymentRecoveryState: Codable {
    /// One payment: its process, and what the fold needs around it.
    struct Replay: Codable {
        var process: PaymentProcess
        /// Idempotency keys (scoped) whose requests journaled a transition of it or were
        /// answered about it: where its started keys come from, what its retirement removes.
        var keys: [String] = []
        /// The latest booking, noted in the record when the next one (or the journal's end)
        /// comes: an abort in between (the ledger refused it) takes it back.
        var intent: PaymentProcess.Booking?
        /// Ids of its intents' transfers that the ledger had not journaled when last looked at.
        var intendedIDs: [UInt64] = []
        var captures = 0
        var captureBookings = 0
        /// What its bookings owe the network (refunds are sent again after a restart).
        var obligations: [NetworkObligation] = []
    }

    struct APIKeyHash: Codable {
        var merchant: MerchantID
        var hash: [UInt8]
    }

    /// Pending webhook events kept at most (beyond, counted and dropped).
    static let pendingWebhooksMax = 1 << 20
    @SortedByKey var pendingWebhooks: [UInt64: PendingWebhook] = [:]
    /// Settlements read before the emission they settle.
    var settledUnseen: Set<UInt64> = []
    @SortedByKey var payments: [PaymentID: Replay] = [:]
    /// Payments retired (`PaymentJournalRecord.paymentRetired`): their replays, keys, answers and card fields
    /// are gone from the fold; only this compact set of their ids is kept.
    var retired = RetiredPayments()
    /// Retired payments per merchant: a resumed merchant account counts them among its payments.
    @SortedByKey var retiredByMerchant: [MerchantID: Int] = [:]
    /// Opens the sealed card fields; nil when the run had no journal key.
    var cipher: FieldCipher?
    /// Each payment's card fields as the journal sealed them (its record holds them opened):
    /// what a snapshot stores.
    @SortedByKey var sealedCards: [PaymentID: [UInt8]] = [:]
    /// `finish()` ran: crash repair is applied, and the fold can no longer be snapshotted or
    /// continued (a snapshot is of the state before repair, which a longer journal may undo).
    var isFinished = false
    @SortedByKey var merchants: [MerchantID: Currency] = [:]
    /// `merchant/key` to the payment the key's first answer named.
    @SortedByKey var idempotencyKeys: [String: PaymentID] = [:]
    /// `merchant/key` to the first journaled answer given to it.
    @SortedByKey var answers: [String: RecoveredAnswer] = [:]
    /// After `finish`: `merchant/key` to the payment whose work a request began without a
    /// durable answer (the process died first): a retry resumes that payment.
    var startedKeys: [String: PaymentID] = [:]
    var apiKeyHashes: [APIKeyHash] = []
    /// The last payment-id block a resumed life reserved.
    var paymentIDBlockReserved: UInt64 = 0
    /// Paid out to each merchant, from the payout bookings, and by the latest of them.
    @SortedByKey var paidOut: [MerchantID: Int64] = [:]
    @SortedByKey var lastPayout: [MerchantID: Int64] = [:]
    var lastPayoutIDs: [UInt64] = []
    /// The highest transfer sequence seen per producer (`id >> 32`), journaled or intended, so
    /// that a resumed system allocates ids after them.
    @SortedByKey var transferSequences: [UInt64: UInt32] = [:]
    /// Transfers of booking intents the ledger has not journaled (yet): booked by `finish`.
    @SortedByKey var intended: [UInt64: Transfer] = [:]
    var report = PaymentRecoveryReport()
    var acknowledged = PaymentRecoveryReport.Invariant("acknowledged_answers_were_durable")
    var oneKeyOnePayment = PaymentRecoveryReport.Invariant("one_payment_per_idempotency_key")
    var bounds = PaymentRecoveryReport.Invariant(RecoveredPayment.boundsInvariant)

    enum CodingKeys: CodingKey {
        case pendingWebhooks, settledUnseen, payments, retired, retiredByMerchant, sealedCards, merchants
        case idempotencyKeys, answers, apiKeyHashes, paymentIDBlockReserved, paidOut, lastPayout
        case lastPayoutIDs, transferSequences, intended, report, acknowledged, oneKeyOnePayment, bounds
    }

    init(cipher: FieldCipher? = nil) {
        self.cipher = cipher
    }

    /// Opens the card fields a decoded snapshot holds sealed.
    /// - Throws: `JournalError.cipher` when there are some and no key, or not the run's.
    mutating func openCards(with cipher: FieldCipher?) throws(JournalError) {
        self.cipher = cipher
        guard !sealedCards.isEmpty else { return }
        guard let cipher else {
            throw .cipher("the snapshot holds encrypted card fields and recovery was given no journal key")
        }
        for (id, sealed) in sealedCards {
            payments[id]?.process.record.card = try JournaledCardFields.opening(sealed, for: id, with: cipher)
        }
    }

    /// The events owed to merchants, by id.
    var owedWebhooks: [PendingWebhook] { pendingWebhooks.values.sorted { $0.eventID < $1.eventID } }

    /// A ledger transfer record was read (and handed to the ledger's fold).
    mutating func noteTransfer(_ id: TransferID) {
        intended[id.rawValue] = nil
        noteSequence(id)
    }

    private mutating func noteSequence(_ id: TransferID) {
        let producer = id.rawValue >> 32
        let sequence = UInt32(truncatingIfNeeded: id.rawValue)
        if sequence > transferSequences[producer, default: 0] { transferSequences[producer] = sequence }
    }

    /// Folds one record that is not a ledger transfer.
    /// - Throws: `JournalError` when the record does not decode.
    mutating func apply(_ record: JournalRecord) throws(JournalError) {
        report.records += 1
        report.recordsByType[record.type, default: 0] += 1
        guard record.type == PaymentJournalRecord.recordType else { return }
        let decoded: PaymentJournalRecord
        do {
            decoded = try record.decode(PaymentJournalRecord.self)
        } catch .invalidField(RecoveredPayment.boundsInvariant, let reason) {
            return bounds.violated(reason)
        }
        switch decoded {
        case .opened(let payment, let time, let key, let sealedCard):
            let card = try openCard(sealedCard, of: payment.id)
            replay(payment, at: time, key: key, command: nil, card: card) { $0.replayOpening() }
        case .transition(let transition):
            let card = try openCard(transition.sealedCard, of: transition.result.id)
            replay(
                transition.result, at: transition.timeNanoseconds, key: transition.idempotencyKey,
                command: transition.command, card: card
            ) {
                $0.replay(transition)
            }
            if let booking = transition.booking { noteIntent(booking, of: transition.result.id) }
        case .acknowledged(let operation, let status, let answer, let time, let key):
            acknowledge(operation, status: status, answer: answer, at: time, key: key)
        case .bookingIntent(let id, let booking):
            noteIntent(booking, of: id)
        case .bookingAborted(let id):
            abortIntent(of: id)
        case .merchantOnboarded(let merchant, let currency, _):
            merchants[merchant] = currency
        case .webhookSettled(let id, _):
            if pendingWebhooks.removeValue(forKey: id.rawValue) == nil { settledUnseen.insert(id.rawValue) }
        case .paymentIDBlock(let firstID):
            paymentIDBlockReserved = max(paymentIDBlockReserved, firstID)
        case .paymentRetired(let id):
            retire(id)
        case .apiKeyIssued(let merchant, let hash):
            apiKeyHashes.append(APIKeyHash(merchant: merchant, hash: hash))
        }
    }

    /// Whether a record of `payment` is left out: the live system forgot a retired payment, so
    /// nothing it journals can be about one (a record that is, two appends landing out of order,
    /// would only bring back a partial payment: counted). A payment the fold holds (`held`) is
    /// not retired: the retired ids are searched only for the others.
    private mutating func isRetired(_ payment: RecoveredPayment, held: Replay?) -> Bool {
        guard held == nil, retired.contains(payment.id) else { return false }
        report.recordsAfterRetirement += 1
        return true
    }

    /// Opens a payment's sealed card fields (its first record carries them).
    private mutating func openCard(
        _ sealed: [UInt8]?, of id: PaymentID
    ) throws(JournalError) -> JournaledCardFields? {
        guard let sealed else { return nil }
        guard let cipher else {
            throw .cipher("the journal holds encrypted card fields and recovery was given no journal key")
        }
        // Kept sealed too: a snapshot of this fold must hold no plaintext card field.
        sealedCards[id] = sealed
        return try JournaledCardFields.opening(sealed, for: id, with: cipher)
    }

    /// Hands a record of the payment to its process (`step`), which it opens on its first;
    /// `command`: the transition's, nil for an opening.
    private mutating func replay(
        _ payment: RecoveredPayment, at time: Int64, key: String?, command: PaymentCommand?,
        card: JournaledCardFields?, _ step: (inout PaymentProcess) -> [PaymentProcess.Action]
    ) {
        let id = payment.id
        let held = payments[id]
        guard !isRetired(payment, held: held) else { return }
        report.transitions += 1
        let settlement = merchants[payment.merchant] ?? payment.payment.amount.currency
        guard
            var replay = held
                ?? (try? PaymentProcess(opening: payment, at: time, settlement: settlement)).map({
                    Replay(process: $0)
                })
        else { return }
        if let card { replay.process.record.card = card }
        owe(step(&replay.process), of: id, at: time)
        if case .capture? = command { replay.captures += 1 }
        if let key = key.map({ "\(payment.merchant)/\($0)" }), !replay.keys.contains(key) {
            replay.keys.append(key)
        }
        payments[id] = replay
    }

    /// Notes the events the process emitted (`.emit` actions) as owed until a settlement is read.
    private mutating func owe(_ actions: [PaymentProcess.Action], of payment: PaymentID, at time: Int64) {
        for case .emit(let types, let firstIndex, let merchant, let amount) in actions {
            for (offset, type) in types.enumerated() {
                let event = PendingWebhook(
                    eventID: PendingWebhook.eventID(payment: payment, index: Int64(firstIndex + offset)),
                    type: type, payment: payment, merchant: merchant, amount: amount, timeNanoseconds: time)
                let id = event.eventID.rawValue
                if settledUnseen.remove(id) != nil { continue }
                guard pendingWebhooks.count < Self.pendingWebhooksMax else {
                    report.webhooksPendingDropped += 1
                    continue
                }
                pendingWebhooks[id] = event
            }
        }
    }

    private mutating func acknowledge(
        _ operation: APIOperation, status: Int, answer: RecoveredPayment, at time: Int64, key: String?
    ) {
        let id = answer.id
        let held = payments[id]
        guard !isRetired(answer, held: held) else { return }
        report.acknowledgements += 1
        guard var replay = held else {
            acknowledged.violated("\(operation) answered for \(id), which the journal never shows")
            return
        }
        replay.intendedIDs.removeAll { intended[$0] == nil }
        if let unseen = replay.intendedIDs.first {
            acknowledged.violated(
                "\(operation) answered for \(id) before the ledger journaled transfer \(TransferID(unseen))")
        }
        if let key {
            let scoped = "\(answer.merchant)/\(key)"
            if let first = idempotencyKeys[scoped], first != id {
                oneKeyOnePayment.violated("\(scoped) answered for \(first) and for \(id)")
            } else {
                idempotencyKeys[scoped] = id
                if !replay.keys.contains(scoped) { replay.keys.append(scoped) }
                if answers[scoped] == nil {
                    answers[scoped] = RecoveredAnswer(
                        merchant: answer.merchant, key: key, status: status, payment: answer,
                        timeNanoseconds: time)
                }
            }
        }
        payments[id] = replay
    }

    // A booking for a payment with no transition journaled keeps its money movement (owed to
    // the ledger) but has no payment to note it in.
    private mutating func noteIntent(_ booking: PaymentProcess.Booking, of id: PaymentID) {
        report.bookingIntents += 1
        for transfer in booking.transfers {
            noteSequence(transfer.id)
            intended[transfer.id.rawValue] = transfer
        }
        if id.rawValue == 0 { return notePayouts(booking.transfers) }
        guard var replay = payments[id] else { return }
        flushIntent(&replay)
        replay.intent = booking
        replay.intendedIDs += booking.transfers.map(\.id.rawValue)
        // By the transfers, not the purpose: a capture booked twice by mistake is one too many.
        if booking.transfers.contains(where: {
            $0.code == PaymentBookkeeping.Code.capture && $0.phase == .single
        }) {
            replay.captureBookings += 1
        }
        payments[id] = replay
    }

    private mutating func abortIntent(of id: PaymentID) {
        report.bookingAborts += 1
        if id.rawValue == 0 {
            for (merchant, amount) in lastPayout { paidOut[merchant, default: 0] -= amount }
            lastPayout = [:]
            for transfer in lastPayoutIDs { intended[transfer] = nil }
            lastPayoutIDs = []
        } else if var replay = payments[id] {
            for transfer in replay.intent?.transfers ?? [] { intended[transfer.id.rawValue] = nil }
            replay.intendedIDs.removeAll { intended[$0] == nil }
            replay.intent = nil
            payments[id] = replay
        }
    }

    private mutating func notePayouts(_ transfers: [Transfer]) {
        lastPayout = [:]
        for payout in transfers where payout.code == PaymentBookkeeping.Code.payout {
            if let leg = payout.legs.first(where: { $0.side == .debit && $0.account.owner != 0 }) {
                lastPayout[MerchantID(leg.account.owner), default: 0] += leg.amount
            }
        }
        for (merchant, amount) in lastPayout { paidOut[merchant, default: 0] += amount }
        lastPayoutIDs = transfers.map(\.id.rawValue)
    }

    /// Notes the payment's latest intent in its record (no abort can come for it any more).
    private func flushIntent(_ replay: inout Replay) {
        guard let intent = replay.intent else { return }
        for case .owe(let obligation) in replay.process.replay(intent) {
            replay.obligations.append(obligation)
        }
        replay.intent = nil
    }

    /// Forgets a retired payment's details. Its transfers the ledger has not journaled stay
    /// owed, so that `finish` still books them; the rest of its money is in the ledger's fold.
    ///
    /// Its idempotency keys go too: the runner retires a payment when its journey, and so every
    /// retry of its keys, has ended. What is lost is only the check that a key it used is not
    /// used again for another payment later (keys are per journey).
    private mutating func retire(_ id: PaymentID) {
        guard id.rawValue != 0, retired.insert(id) else { return }
        guard let replay = payments.removeValue(forKey: id) else { return }
        retiredByMerchant[replay.process.record.merchant, default: 0] += 1
        for key in replay.keys {
            if idempotencyKeys[key] == id { idempotencyKeys[key] = nil }
            if answers[key]?.payment.id == id { answers[key] = nil }
        }
        sealedCards[id] = nil
    }

    /// Ends the fold: notes the last intents and returns the intent transfers the ledger never
    /// journaled (to be booked now), in id order (each producer's, the order it booked them in).
    mutating func finish() -> [Transfer] {
        precondition(!isFinished, "finish() of a recovery fold that was already finished")
        isFinished = true
        for id in payments.keys.sorted() {
            var replay = payments[id]!
            flushIntent(&replay)
            for key in replay.keys where answers[key] == nil { startedKeys[key] = id }
            payments[id] = replay
        }
        let owed = intended.values.sorted { $0.id.rawValue < $1.id.rawValue }
        report.transfersRolledForward = owed.count
        report.webhooksPending = pendingWebhooks.count
        report.merchants = merchants.count
        report.payments = payments.count
        report.paymentsRetired = retired.count
        report.idempotencyKeys = idempotencyKeys.count
        for replay in payments.values {
            var name = replay.process.record.payment.state.description
            if case .failed = replay.process.record.payment.state { name = "failed" }
            report.paymentsByState[name, default: 0] += 1
        }
        return owed
    }

    /// The per-payment invariants, after `finish`.
    func paymentInvariants() -> [PaymentRecoveryReport.Invariant] {
        var twice = PaymentRecoveryReport.Invariant("no_payment_captured_twice")
        var booked = PaymentRecoveryReport.Invariant("captured_payments_booked_once")
        var merchantKnown = PaymentRecoveryReport.Invariant("payments_belong_to_onboarded_merchants")
        for id in payments.keys.sorted() {
            let replay = payments[id]!
            let record = replay.process.record
            if replay.captures > 1 || replay.captureBookings > 1 {
                twice.violated(
                    "\(id): \(replay.captures) capture transitions, \(replay.captureBookings) capture bookings"
                )
            }
            if record.payment.amountCapturedMinorUnits > 0 && replay.captureBookings != 1 {
                booked.violated(
                    "\(id): captured \(record.payment.amountCapturedMinorUnits) with \(replay.captureBookings) capture bookings"
                )
            }
            if merchants[record.merchant] == nil {
                merchantKnown.violated("\(id): merchant \(record.merchant) was never onboarded")
            }
        }
        return [bounds, twice, booked, merchantKnown, acknowledged, oneKeyOnePayment]
    }

    /// The payments rebuilt, each with its card fields, as a new life of the system starts
    /// them (no transition applied in it yet).
    var records: [PaymentID: PaymentRecord] {
        payments.mapValues { replay in
            var record = replay.process.record
            record.transitions = 0
            return record
        }
    }
}
