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
        /// The key of the transition awaiting its booking: counted once the booking starts.
        var unbookedKey: String?
        var isUnbookedCapture = false
        /// The latest booking intent, noted in the record when the next one (or the journal's
        /// end) comes: an abort in between (the ledger refused it) takes it back.
        var intent: [Transfer] = []
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
    /// Payments retired (`PaymentRetiredRecord`): their replays, keys, answers and card fields
    /// are gone from the fold; only this compact set of their ids is kept.
    var retired = RetiredPayments()
    /// Retired payments per merchant: a resumed merchant account counts them among its payments.
    @SortedByKey var retiredByMerchant: [MerchantID: Int] = [:]
    /// Opens the sealed card fields; nil when the run had no journal key.
    var cipher: FieldCipher?
    /// Each payment's card fields, opened from its first transition.
    var cards: [PaymentID: JournaledCardFields] = [:]
    /// The same fields as the journal sealed them: what a snapshot stores.
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
    /// After `finish`: payments whose last transition it rolled back.
    var rolledBack: [PaymentID] = []
    var report = PaymentRecoveryReport()
    var acknowledged = PaymentRecoveryReport.Invariant("acknowledged_answers_were_durable")
    var oneKeyOnePayment = PaymentRecoveryReport.Invariant("one_payment_per_idempotency_key")
    var bounds = PaymentRecoveryReport.Invariant("payment_amounts_within_bounds")

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
            cards[id] = try JournaledCardFields.opening(sealed, for: id, with: cipher)
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
        switch record.type {
        case PaymentEventRecord.recordType:
            let image = try PaymentEventImage(record: record.decode(PaymentEventRecord.self))
            if let sealed = image.encryptedCardFields {
                guard let cipher else {
                    throw .cipher(
                        "the journal holds encrypted card fields and recovery was given no journal key")
                }
                cards[image.payment.id] = try JournaledCardFields.opening(
                    sealed, for: image.payment.id, with: cipher)
                // Kept sealed too: a snapshot of this fold must hold no plaintext card field.
                sealedCards[image.payment.id] = sealed
            }
            apply(image)
        case PaymentBookingRecord.recordType:
            try apply(record.decode(PaymentBookingRecord.self))
        case MerchantOnboardedRecord.recordType:
            let onboarded = try record.decode(MerchantOnboardedRecord.self)
            merchants[MerchantID(onboarded.merchantID)] = Currency.all[Int(onboarded.settlementCurrencyIndex)]
        case WebhookSettledRecord.recordType:
            let settled = try record.decode(WebhookSettledRecord.self)
            if pendingWebhooks.removeValue(forKey: settled.eventID) == nil {
                settledUnseen.insert(settled.eventID)
            }
        case PaymentIDBlockRecord.recordType:
            paymentIDBlockReserved = max(
                paymentIDBlockReserved, try record.decode(PaymentIDBlockRecord.self).firstID)
        case PaymentRetiredRecord.recordType:
            retire(PaymentID(try record.decode(PaymentRetiredRecord.self).paymentID))
        case APIKeyIssuedRecord.recordType:
            let issued = try record.decode(APIKeyIssuedRecord.self)
            apiKeyHashes.append(APIKeyHash(merchant: MerchantID(issued.merchantID), hash: issued.keyHash))
        default:
            break
        }
    }

    private mutating func apply(_ image: PaymentEventImage) {
        // The live system forgot a retired payment: nothing it journals can be about one. A
        // record that is (two appends landing out of order) would only bring back a partial
        // payment, so it is counted and left out.
        if retired.contains(image.payment.id) {
            report.recordsAfterRetirement += 1
            return
        }
        if let violation = image.payment.amountViolation {
            bounds.violated(violation)
            return
        }
        switch image.kind {
        case .transition(let command, _): replayTransition(image, command: command)
        case .acknowledgement(let operation, let status): acknowledge(image, operation, status: status)
        }
    }

    private mutating func replayTransition(_ image: PaymentEventImage, command: UInt8) {
        let id = image.payment.id
        report.transitions += 1
        let settlement = merchants[image.payment.merchant] ?? image.payment.currency
        guard
            var replay = payments[id]
                ?? (try? PaymentProcess(opening: image, settlement: settlement)).map({ Replay(process: $0) })
        else { return }
        if command == PaymentJournalCodes.rollbackCommand { rollBack(&replay) }
        let emittedBefore =
            replay.process.record.isCreationEventEmitted ? replay.process.record.eventsEmitted : -1
        owe(replay.process.replay(image), of: id, at: image.timeNanoseconds)
        if command == PaymentJournalCodes.captureCommand { replay.captures += 1 }
        let scopedKey = image.idempotencyKey.map { "\(image.payment.merchant)/\($0)" }
        // Two transitions of one payment appended concurrently may land out of order: the
        // later one (more events emitted) decides what awaits a booking.
        if image.sequence > emittedBefore && command != PaymentJournalCodes.rollbackCommand {
            if replay.process.awaitingBooking != nil {
                replay.unbookedKey = scopedKey
                replay.isUnbookedCapture = command == PaymentJournalCodes.captureCommand
            } else if let scopedKey, !replay.keys.contains(scopedKey) {
                replay.keys.append(scopedKey)
            }
        }
        payments[id] = replay
    }

    /// Undoes the payment's transition awaiting its booking, if any (see `undoUnbooked`).
    /// - Returns: whether there was one.
    @discardableResult
    private mutating func rollBack(_ replay: inout Replay) -> Bool {
        guard let undone = replay.process.undoUnbooked() else { return false }
        for index in undone {
            pendingWebhooks[
                PendingWebhook.eventID(payment: replay.process.record.id, index: Int64(index)).rawValue] = nil
        }
        if replay.isUnbookedCapture { replay.captures -= 1 }
        replay.isUnbookedCapture = false
        replay.unbookedKey = nil
        return true
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

    private mutating func acknowledge(_ image: PaymentEventImage, _ operation: APIOperation, status: Int) {
        let id = image.payment.id
        report.acknowledgements += 1
        guard var replay = payments[id] else {
            acknowledged.violated("\(operation) answered for \(id), which the journal never shows")
            return
        }
        if replay.process.awaitingBooking != nil {
            acknowledged.violated("\(operation) answered for \(id) before its booking was journaled")
        }
        replay.intendedIDs.removeAll { intended[$0] == nil }
        if let unseen = replay.intendedIDs.first {
            acknowledged.violated(
                "\(operation) answered for \(id) before the ledger journaled transfer \(TransferID(unseen))")
        }
        if let key = image.idempotencyKey {
            let scoped = "\(image.payment.merchant)/\(key)"
            if let first = idempotencyKeys[scoped], first != id {
                oneKeyOnePayment.violated("\(scoped) answered for \(first) and for \(id)")
            } else {
                idempotencyKeys[scoped] = id
                if !replay.keys.contains(scoped) { replay.keys.append(scoped) }
                if answers[scoped] == nil {
                    answers[scoped] = RecoveredAnswer(
                        merchant: image.payment.merchant, key: key, operation: operation,
                        status: status, payment: image.payment, timeNanoseconds: image.timeNanoseconds)
                }
            }
        }
        payments[id] = replay
    }

    private mutating func apply(_ booking: PaymentBookingRecord) throws(JournalError) {
        let id = PaymentID(booking.paymentID)
        switch booking.kind {
        case .intent:
            report.bookingIntents += 1
            var transfers: [Transfer] = []
            for record in booking.transfers { transfers.append(try Transfer(journalRecord: record)) }
            for transfer in transfers {
                noteSequence(transfer.id)
                intended[transfer.id.rawValue] = transfer
            }
            if id.rawValue == 0 {
                notePayouts(transfers)
            } else if var replay = payments[id] {
                flushIntent(&replay)
                replay.process.bookingStarted()
                replay.intent = transfers
                replay.intendedIDs += transfers.map(\.id.rawValue)
                if let key = replay.unbookedKey, !replay.keys.contains(key) { replay.keys.append(key) }
                replay.unbookedKey = nil
                replay.isUnbookedCapture = false
                if transfers.contains(where: {
                    $0.code == PaymentBookkeeping.Code.capture && $0.phase == .single
                }) {
                    replay.captureBookings += 1
                }
                payments[id] = replay
            }
        // A booking for a payment with no transition journaled keeps its money movement (owed
        // to the ledger above) but has no payment to note it in.
        case .abort:
            report.bookingAborts += 1
            if id.rawValue == 0 {
                for (merchant, amount) in lastPayout { paidOut[merchant, default: 0] -= amount }
                lastPayout = [:]
                for transfer in lastPayoutIDs { intended[transfer] = nil }
                lastPayoutIDs = []
            } else if var replay = payments[id] {
                for transfer in replay.intent { intended[transfer.id.rawValue] = nil }
                replay.intendedIDs.removeAll { intended[$0] == nil }
                replay.intent = []
                replay.process.bookingStarted()
                payments[id] = replay
            }
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
        guard !replay.intent.isEmpty else { return }
        for case .owe(let obligation) in replay.process.replayBooking(replay.intent) {
            replay.obligations.append(obligation)
        }
        replay.intent = []
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
        for key in replay.keys + (replay.unbookedKey.map { [$0] } ?? []) {
            if idempotencyKeys[key] == id { idempotencyKeys[key] = nil }
            if answers[key]?.payment.id == id { answers[key] = nil }
        }
        cards[id] = nil
        sealedCards[id] = nil
    }

    /// Ends the fold: notes the last intents, rolls back transitions whose booking never
    /// started, and returns the intent transfers the ledger never journaled (to be booked now),
    /// in id order (each producer's, the order it booked them in).
    mutating func finish() -> [Transfer] {
        precondition(!isFinished, "finish() of a recovery fold that was already finished")
        isFinished = true
        for id in payments.keys.sorted() {
            var replay = payments[id]!
            flushIntent(&replay)
            if rollBack(&replay) {
                report.transitionsRolledBack += 1
                rolledBack.append(id)
            }
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
            record.card = cards[record.id]
            record.transitions = 0
            return record
        }
    }
}
