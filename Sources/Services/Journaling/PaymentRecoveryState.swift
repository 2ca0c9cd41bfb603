import Core
import Journal
import Ledger

/// The synchronous fold behind `PaymentSystemRecovery`: takes the journal's records in order
/// and rebuilds merchants, payments, idempotency keys and the bookings still owed to the
/// ledger, checking as it goes that everything acknowledged was durable first.
///
/// No awaits inside: the driver reads entries and feeds ledger transfers to a
/// `LedgerReplayer`; everything else is decided here, and is testable with plain values.
struct PaymentRecoveryState {
    /// One payment's reconstruction.
    struct Track {
        var payment: RecoveredPayment
        var sequence: Int64 = .min
        /// The payment before its latest transition, while that transition awaits its booking
        /// intent; if the journal ends first, the transition is rolled back to this.
        var beforeUnbooked: RecoveredPayment?
        var unbookedWasCapture = false
        var captureCommands = 0
        var captureBookings = 0
        /// Intent transfers not (yet) seen among the ledger's records: the last intent's apart,
        /// because an abort cancels only it.
        var lastIntentUnseen: [Transfer] = []
        var olderUnseen: [Transfer] = []
        /// What the bookings hold and moved, and the same before the last intent (an abort
        /// cancels only that one).
        var bookings = RecoveredBookings()
        var bookingsBeforeLastIntent = RecoveredBookings()
        /// Idempotency keys (scoped) whose request journaled a transition of this payment, and
        /// the key of the transition still awaiting its booking (dropped if it is rolled back).
        var startedKeys: [String] = []
        var unbookedKey: String?
        /// The events of the transition awaiting its booking: not owed if it is rolled back.
        var unbookedEvents: [UInt64] = []
        /// Keys (scoped) whose first answer named this payment, and the ids of every transfer its
        /// intents named: what its retirement removes from the fold's maps and sets. A few per
        /// payment (one per request and booking of its journey).
        var answeredKeys: [String] = []
        var transferIDs: [UInt64] = []
    }

    /// Pending webhook events kept at most (beyond, counted and dropped).
    static let pendingWebhooksMax = 1 << 20
    var pendingWebhooks: [UInt64: PendingWebhook] = [:]
    /// Settlements read before the emission they settle (a payment's creation event is
    /// delivered before its first transition is journaled).
    var settledUnseen: Set<UInt64> = []

    var tracks: [PaymentID: Track] = [:]
    /// Payments retired (`PaymentRetiredRecord`): their tracks, keys, answers, card fields and
    /// transfer ids are gone from the fold; only this compact set of their ids is kept.
    var retired = RetiredPayments()
    /// Retired payments per merchant (one entry per merchant): a resumed merchant account
    /// counts them among its payments.
    var retiredByMerchant: [MerchantID: Int] = [:]
    /// Opens the sealed card fields; nil when the run had no journal key.
    let cipher: FieldCipher?
    /// Each payment's card fields, opened from its first transition.
    var cards: [PaymentID: JournaledCardFields] = [:]
    /// The same fields as the journal sealed them: what a snapshot stores.
    var sealedCards: [PaymentID: [UInt8]] = [:]
    /// `finish()` ran: crash repair is applied, and the fold can no longer be snapshotted or
    /// continued (a snapshot is of the state before repair, which a longer journal may undo).
    var isFinished = false

    init(cipher: FieldCipher? = nil) {
        self.cipher = cipher
    }
    var merchants: [MerchantID: Currency] = [:]
    /// `merchant/key` to the payment the key's first answer named.
    var idempotencyKeys: [String: PaymentID] = [:]
    /// `merchant/key` to the first journaled answer given to it.
    var answers: [String: RecoveredAnswer] = [:]
    /// `merchant/key` to the payment whose work a request began without a durable answer (the
    /// process died first): a retry resumes that payment rather than starting another.
    var startedKeys: [String: PaymentID] = [:]
    var apiKeyHashes: [(merchant: MerchantID, hash: [UInt8])] = []
    /// The last payment-id block a resumed life reserved.
    var paymentIDBlockReserved: UInt64 = 0
    /// Paid out to each merchant, from the payout bookings.
    var paidOut: [MerchantID: Int64] = [:]
    var lastPayout: [(MerchantID, Int64)] = []
    /// The highest transfer sequence seen per producer (`id >> 32`), journaled or intended, so
    /// that a resumed system allocates ids after them.
    var transferSequences: [UInt64: UInt32] = [:]
    /// Payments whose last transition `finish` rolled back.
    var rolledBack: [PaymentID] = []
    var seenTransfers: Set<UInt64> = []
    /// Payouts' intents (payment id 0).
    var systemTrack = Track(
        payment: RecoveredPayment(
            id: PaymentID(0), merchant: MerchantID(0), currency: .usd, network: nil, state: .created,
            amountMinorUnits: 0, amountCapturableMinorUnits: 0, amountCapturedMinorUnits: 0,
            amountRefundedMinorUnits: 0, disputeAmountMinorUnits: 0, disputeStatus: nil, isSettled: false,
            isAuthenticated: false))
    var report = PaymentRecoveryReport()
    var acknowledged = PaymentRecoveryReport.Invariant("acknowledged_answers_were_durable")
    var oneKeyOnePayment = PaymentRecoveryReport.Invariant("one_payment_per_idempotency_key")

    /// Notes the event `payment << 16 | index` as emitted: owed until a settlement is read.
    @discardableResult
    private mutating func owe(_ type: PaymentEventType, index: Int64, _ image: PaymentEventImage) -> UInt64 {
        let event = PendingWebhook(type, index: index, image)
        let id = event.eventID.rawValue
        if settledUnseen.remove(id) != nil { return id }
        guard pendingWebhooks.count < Self.pendingWebhooksMax else {
            report.webhooksPendingDropped += 1
            return id
        }
        pendingWebhooks[id] = event
        return id
    }

    /// The events owed to merchants, by id.
    var owedWebhooks: [PendingWebhook] { pendingWebhooks.values.sorted { $0.eventID < $1.eventID } }

    /// A ledger transfer record was read (and handed to the replayer).
    mutating func noteTransfer(_ id: TransferID) {
        seenTransfers.insert(id.rawValue)
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
            apiKeyHashes.append((MerchantID(issued.merchantID), issued.keyHash))
        default:
            break
        }
    }

    private mutating func apply(_ image: PaymentEventImage) {
        let id = image.payment.id
        // The live system forgot a retired payment: nothing it journals can be about one. A
        // record that is (two appends landing out of order) would only bring back a partial
        // track, so it is counted and left out.
        if retired.contains(id) {
            report.recordsAfterRetirement += 1
            return
        }
        switch image.kind {
        case .transition(let command, _):
            report.transitions += 1
            if command == PaymentJournalCodes.rollbackCommand, var track = tracks[id] {
                if track.beforeUnbooked != nil && track.unbookedWasCapture { track.captureCommands -= 1 }
                track.beforeUnbooked = nil
                track.unbookedKey = nil
                for event in track.unbookedEvents { pendingWebhooks[event] = nil }
                track.unbookedEvents = []
                track.payment = image.payment
                track.sequence = max(track.sequence, image.sequence)
                tracks[id] = track
                return
            }
            var track = tracks[id] ?? Track(payment: image.payment.created())
            if track.sequence == .min {
                track.bookings.createdAtNanoseconds = image.timeNanoseconds
                owe(.paymentIntentCreated, index: 0, image)
            }
            var emitted = image.moreEvents
            if case .transition(_, let first?) = image.kind { emitted.insert(first, at: 0) }
            var emittedIDs: [UInt64] = []
            for (offset, type) in emitted.enumerated() {
                let index = 1 + image.sequence - Int64(emitted.count) + Int64(offset)
                emittedIDs.append(owe(type, index: index, image))
            }
            if command == PaymentJournalCodes.captureCommand { track.captureCommands += 1 }
            if command == PaymentJournalCodes.approvedCommand
                || command == PaymentJournalCodes.inquiryApprovedCommand
            {
                track.bookings.authorizedAtNanoseconds = image.timeNanoseconds
            }
            let scopedKey = image.idempotencyKey.map { "\(image.payment.merchant)/\($0)" }
            // Two transitions of one payment appended concurrently may land out of order: the
            // later state (more events emitted) wins.
            if image.sequence >= track.sequence {
                if image.expectsBooking {
                    track.beforeUnbooked = track.payment
                    track.unbookedWasCapture = command == PaymentJournalCodes.captureCommand
                    track.unbookedKey = scopedKey
                    track.unbookedEvents = emittedIDs
                } else {
                    track.beforeUnbooked = nil
                    if let scopedKey, !track.startedKeys.contains(scopedKey) {
                        track.startedKeys.append(scopedKey)
                    }
                }
                track.payment = image.payment
                track.sequence = image.sequence
            }
            tracks[id] = track
        case .acknowledgement(let operation, let status):
            report.acknowledgements += 1
            guard var track = tracks[id] else {
                acknowledged.violated("\(operation) answered for \(id), which the journal never shows")
                return
            }
            if track.beforeUnbooked != nil {
                acknowledged.violated("\(operation) answered for \(id) before its booking was journaled")
            }
            prune(&track)
            if let unseen = (track.olderUnseen + track.lastIntentUnseen).first {
                acknowledged.violated(
                    "\(operation) answered for \(id) before the ledger journaled transfer \(unseen.id)")
            }
            tracks[id] = track
            if let key = image.idempotencyKey {
                let scoped = "\(image.payment.merchant)/\(key)"
                if let first = idempotencyKeys[scoped], first != id {
                    oneKeyOnePayment.violated("\(scoped) answered for \(first) and for \(id)")
                } else {
                    idempotencyKeys[scoped] = id
                    if !track.answeredKeys.contains(scoped) {
                        track.answeredKeys.append(scoped)
                        tracks[id] = track
                    }
                    if answers[scoped] == nil {
                        answers[scoped] = RecoveredAnswer(
                            merchant: image.payment.merchant, key: key, operation: operation,
                            status: status, payment: image.payment, timeNanoseconds: image.timeNanoseconds)
                    }
                }
            }
        }
    }

    private mutating func apply(_ booking: PaymentBookingRecord) throws(JournalError) {
        let id = PaymentID(booking.paymentID)
        var track: Track
        if id.rawValue == 0 {
            track = systemTrack
        } else if let existing = tracks[id] {
            track = existing
        } else {
            // A booking for a payment with no transition journaled: keep its money movement
            // (recovery must book it) but there is no payment state to attach it to.
            track = Track(payment: systemTrack.payment)
        }
        switch booking.kind {
        case .intent:
            report.bookingIntents += 1
            var transfers: [Transfer] = []
            for record in booking.transfers { transfers.append(try Transfer(journalRecord: record)) }
            for transfer in transfers { noteSequence(transfer.id) }
            if id.rawValue != 0 { track.transferIDs += transfers.map(\.id.rawValue) }
            track.bookingsBeforeLastIntent = track.bookings
            track.bookings.apply(transfers, merchant: track.payment.merchant)
            if id.rawValue == 0 {
                lastPayout = transfers.filter { $0.code == PaymentBookkeeping.Code.payout }.compactMap {
                    payout in
                    payout.legs.first { $0.side == .debit && $0.account.owner != 0 }.map {
                        (MerchantID($0.account.owner), $0.amount)
                    }
                }
                for (merchant, amount) in lastPayout { paidOut[merchant, default: 0] += amount }
            }
            if let key = track.unbookedKey {
                if !track.startedKeys.contains(key) { track.startedKeys.append(key) }
                track.unbookedKey = nil
            }
            if transfers.contains(where: { $0.code == PaymentBookkeeping.Code.capture && $0.phase == .single }
            ) {
                track.captureBookings += 1
            }
            track.beforeUnbooked = nil
            track.unbookedEvents = []
            track.olderUnseen += track.lastIntentUnseen
            track.lastIntentUnseen = transfers
            prune(&track)
        case .abort:
            report.bookingAborts += 1
            track.beforeUnbooked = nil
            track.bookings = track.bookingsBeforeLastIntent
            if id.rawValue == 0 {
                for (merchant, amount) in lastPayout { paidOut[merchant, default: 0] -= amount }
                lastPayout = []
            }
            track.lastIntentUnseen = []
        }
        if id.rawValue == 0 {
            systemTrack = track
        } else if tracks[id] != nil {
            tracks[id] = track
        } else {
            systemTrack.olderUnseen += track.olderUnseen + track.lastIntentUnseen
        }
    }

    /// Forgets a retired payment's details. Its transfers the ledger has not journaled yet
    /// stay owed (moved to the payouts' track, as a booking without a payment is), so that
    /// `finish` still books them; the rest of its money is in the ledger's fold already.
    ///
    /// Its idempotency keys go too: the runner retires a payment when its journey, and so every
    /// retry of its keys, has ended. What is lost is only the check that a key it used is not
    /// used again for another payment later (keys are per journey).
    private mutating func retire(_ id: PaymentID) {
        guard id.rawValue != 0, retired.insert(id) else { return }
        guard var track = tracks.removeValue(forKey: id) else { return }
        retiredByMerchant[track.payment.merchant, default: 0] += 1
        prune(&track)
        systemTrack.olderUnseen += track.olderUnseen + track.lastIntentUnseen
        for transfer in track.transferIDs { seenTransfers.remove(transfer) }
        for key in track.answeredKeys + track.startedKeys + (track.unbookedKey.map { [$0] } ?? []) {
            if idempotencyKeys[key] == id { idempotencyKeys[key] = nil }
            if answers[key]?.payment.id == id { answers[key] = nil }
        }
        cards[id] = nil
        sealedCards[id] = nil
    }

    private func prune(_ track: inout Track) {
        track.olderUnseen.removeAll { seenTransfers.contains($0.id.rawValue) }
        track.lastIntentUnseen.removeAll { seenTransfers.contains($0.id.rawValue) }
    }

    /// Ends the fold: rolls back transitions whose booking never started, and returns the
    /// intent transfers the ledger never journaled (to be booked now), in journal order per
    /// payment.
    mutating func finish() -> [Transfer] {
        precondition(!isFinished, "finish() of a recovery fold that was already finished")
        isFinished = true
        var owed: [Transfer] = []
        prune(&systemTrack)
        owed += systemTrack.olderUnseen + systemTrack.lastIntentUnseen
        for id in tracks.keys.sorted() {
            var track = tracks[id]!
            if let before = track.beforeUnbooked {
                track.payment = before
                if track.unbookedWasCapture { track.captureCommands -= 1 }
                track.beforeUnbooked = nil
                track.unbookedKey = nil
                for event in track.unbookedEvents { pendingWebhooks[event] = nil }
                track.unbookedEvents = []
                report.transitionsRolledBack += 1
                rolledBack.append(id)
            }
            for key in track.startedKeys where answers[key] == nil { startedKeys[key] = id }
            track.bookings.eventsEmitted = max(0, track.sequence)
            prune(&track)
            owed += track.olderUnseen + track.lastIntentUnseen
            tracks[id] = track
        }
        report.transfersRolledForward = owed.count
        report.webhooksPending = pendingWebhooks.count
        report.merchants = merchants.count
        report.payments = tracks.count
        report.paymentsRetired = retired.count
        report.idempotencyKeys = idempotencyKeys.count
        for track in tracks.values {
            var name = track.payment.state.description
            if case .failed = track.payment.state { name = "failed" }
            report.paymentsByState[name, default: 0] += 1
        }
        return owed
    }

    /// The per-payment invariants, after `finish`.
    func paymentInvariants() -> [PaymentRecoveryReport.Invariant] {
        var bounds = PaymentRecoveryReport.Invariant("payment_amounts_within_bounds")
        var twice = PaymentRecoveryReport.Invariant("no_payment_captured_twice")
        var booked = PaymentRecoveryReport.Invariant("captured_payments_booked_once")
        var merchantKnown = PaymentRecoveryReport.Invariant("payments_belong_to_onboarded_merchants")
        for id in tracks.keys.sorted() {
            let track = tracks[id]!
            if let violation = track.payment.amountViolation { bounds.violated(violation) }
            if track.captureCommands > 1 || track.captureBookings > 1 {
                twice.violated(
                    "\(id): \(track.captureCommands) capture transitions, \(track.captureBookings) capture bookings"
                )
            }
            if track.payment.amountCapturedMinorUnits > 0 && track.captureBookings != 1 {
                booked.violated(
                    "\(id): captured \(track.payment.amountCapturedMinorUnits) with \(track.captureBookings) capture bookings"
                )
            }
            if merchants[track.payment.merchant] == nil {
                merchantKnown.violated("\(id): merchant \(track.payment.merchant) was never onboarded")
            }
        }
        return [bounds, twice, booked, merchantKnown, acknowledged, oneKeyOnePayment]
    }

    var payments: [PaymentID: RecoveredPayment] { tracks.mapValues(\.payment) }
}
