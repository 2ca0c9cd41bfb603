import Core
import Journal
import Ledger

/// The recovery fold as bytes, inside a `RecoverySnapshot`: everything `apply` and `finish`
/// read, so that folding the tail after a snapshot and finishing gives what folding the whole
/// journal gives. Taken before `finish()` (crash repair depends on what comes after).
///
/// Card fields are stored as the journal sealed them (AES-GCM under the run's journal key) and
/// opened again on decode; no plaintext card field is written. Dictionaries are written sorted
/// by key, so that one fold always encodes to the same bytes.
///
/// Layout (version 1, after the snapshot's header): pending webhooks, settlements seen before
/// their emission, tracks, sealed card fields, merchants, idempotency keys, answers, started
/// keys, API key hashes, the payment-id block, payouts, transfer sequences, rolled-back ids,
/// seen transfer ids (delta-coded), the payouts' track, report counters, two invariants.
/// Version 2 adds each track's answered keys and transfer ids (after its unbooked events), and,
/// at the end, the retired payments (ranges, delta-coded), the records read after a
/// retirement and the retired payments per merchant; a version 1 snapshot reads as one with none.
/// Version 3 adds, after each booking's events emitted, the refunds it booked as the network
/// knows them (count, then refund id and amount); an older snapshot reads as one with none.
extension PaymentRecoveryState {
    static let snapshotFormatVersion: UInt8 = 3

    func encode(into writer: inout BinaryWriter) {
        precondition(!isFinished, "snapshot of a recovery fold after finish()")
        writer.write(Self.snapshotFormatVersion)
        writer.writeVarint(UInt64(pendingWebhooks.count))
        for (id, webhook) in pendingWebhooks.sorted(by: { $0.key < $1.key }) {
            writer.writeVarint(id)
            writer.write(webhook)
        }
        writer.writeSortedIDs(settledUnseen)
        writer.writeVarint(UInt64(tracks.count))
        for (id, track) in tracks.sorted(by: { $0.key < $1.key }) {
            writer.writeVarint(id.rawValue)
            writer.write(track)
        }
        writer.writeVarint(UInt64(sealedCards.count))
        for (id, sealed) in sealedCards.sorted(by: { $0.key < $1.key }) {
            writer.writeVarint(id.rawValue)
            writer.writeBytes(sealed)
        }
        writer.writeVarint(UInt64(merchants.count))
        for (merchant, currency) in merchants.sorted(by: { $0.key < $1.key }) {
            writer.writeVarint(merchant.rawValue)
            writer.write(UInt8(currency.index))
        }
        for keys in [idempotencyKeys, startedKeys] {
            writer.writeVarint(UInt64(keys.count))
            for (key, payment) in keys.sorted(by: { $0.key < $1.key }) {
                writer.writeString(key)
                writer.writeVarint(payment.rawValue)
            }
        }
        writer.writeVarint(UInt64(answers.count))
        for (key, answer) in answers.sorted(by: { $0.key < $1.key }) {
            writer.writeString(key)
            writer.write(answer)
        }
        writer.writeVarint(UInt64(apiKeyHashes.count))
        for (merchant, hash) in apiKeyHashes {
            writer.writeVarint(merchant.rawValue)
            writer.writeBytes(hash)
        }
        writer.writeVarint(paymentIDBlockReserved)
        writer.writeVarint(UInt64(paidOut.count))
        for (merchant, amount) in paidOut.sorted(by: { $0.key < $1.key }) {
            writer.writeVarint(merchant.rawValue)
            writer.writeSignedVarint(amount)
        }
        writer.writeVarint(UInt64(lastPayout.count))
        for (merchant, amount) in lastPayout {
            writer.writeVarint(merchant.rawValue)
            writer.writeSignedVarint(amount)
        }
        writer.writeVarint(UInt64(transferSequences.count))
        for (producer, sequence) in transferSequences.sorted(by: { $0.key < $1.key }) {
            writer.writeVarint(producer)
            writer.writeVarint(UInt64(sequence))
        }
        writer.writeVarint(UInt64(rolledBack.count))
        for id in rolledBack { writer.writeVarint(id.rawValue) }
        writer.writeSortedIDs(seenTransfers)
        writer.write(systemTrack)
        for count in [
            report.records, report.transitions, report.acknowledgements, report.bookingIntents,
            report.bookingAborts, report.webhooksPendingDropped,
        ] {
            writer.writeVarint(UInt64(count))
        }
        writer.writeVarint(UInt64(report.recordsByType.count))
        for (type, count) in report.recordsByType.sorted(by: { $0.key < $1.key }) {
            writer.write(type)
            writer.writeVarint(UInt64(count))
        }
        writer.write(acknowledged)
        writer.write(oneKeyOnePayment)
        writer.write(retired)
        writer.writeVarint(UInt64(report.recordsAfterRetirement))
        writer.writeVarint(UInt64(retiredByMerchant.count))
        for (merchant, count) in retiredByMerchant.sorted(by: { $0.key < $1.key }) {
            writer.writeVarint(merchant.rawValue)
            writer.writeVarint(UInt64(count))
        }
    }

    /// Reads what `encode` wrote; `cipher` opens the sealed card fields again.
    /// - Throws: `JournalError.unsupportedVersion` for a newer layout, `.cipher` when card
    ///   fields are stored and `cipher` is nil or another key, `.invalidField` and `.truncated`
    ///   for damaged bytes.
    init(from reader: inout BinaryReader, cipher: FieldCipher?) throws(JournalError) {
        self.init(cipher: cipher)
        let version = try reader.readUInt8()
        guard version >= 1 && version <= Self.snapshotFormatVersion else {
            throw .unsupportedVersion(recordType: 0, version: version, supported: Self.snapshotFormatVersion)
        }
        for _ in 0..<(try reader.readCount("snapshot pending webhooks", bytesEach: 8)) {
            let id = try reader.readVarint()
            pendingWebhooks[id] = try reader.readPendingWebhook()
        }
        guard pendingWebhooks.count <= Self.pendingWebhooksMax else {
            throw .invalidField("snapshot pending webhooks", reason: "\(pendingWebhooks.count) kept")
        }
        settledUnseen = Set(try reader.readSortedIDs("snapshot settled webhooks"))
        for _ in 0..<(try reader.readCount("snapshot payments", bytesEach: 20)) {
            let id = PaymentID(try reader.readVarint())
            tracks[id] = try reader.readTrack(version: version)
        }
        for _ in 0..<(try reader.readCount("snapshot card fields", bytesEach: 2)) {
            let id = PaymentID(try reader.readVarint())
            let sealed = try reader.readBytes(maxLength: 4_096)
            guard let cipher else {
                throw .cipher(
                    "the snapshot holds encrypted card fields and recovery was given no journal key")
            }
            cards[id] = try JournaledCardFields.opening(sealed, for: id, with: cipher)
            sealedCards[id] = sealed
        }
        for _ in 0..<(try reader.readCount("snapshot merchants", bytesEach: 2)) {
            let merchant = MerchantID(try reader.readVarint())
            merchants[merchant] = try reader.readCurrency()
        }
        for which in 0..<2 {
            var keys: [String: PaymentID] = [:]
            for _ in 0..<(try reader.readCount("snapshot idempotency keys", bytesEach: 2)) {
                let key = try reader.readString(maxLength: Self.keyBytesMax)
                keys[key] = PaymentID(try reader.readVarint())
            }
            if which == 0 { idempotencyKeys = keys } else { startedKeys = keys }
        }
        for _ in 0..<(try reader.readCount("snapshot answers", bytesEach: 10)) {
            let key = try reader.readString(maxLength: Self.keyBytesMax)
            answers[key] = try reader.readAnswer()
        }
        for _ in 0..<(try reader.readCount("snapshot API keys", bytesEach: 2)) {
            let merchant = MerchantID(try reader.readVarint())
            apiKeyHashes.append((merchant, try reader.readBytes(maxLength: 1_024)))
        }
        paymentIDBlockReserved = try reader.readVarint()
        for _ in 0..<(try reader.readCount("snapshot payouts", bytesEach: 2)) {
            let merchant = MerchantID(try reader.readVarint())
            paidOut[merchant] = try reader.readSignedVarint()
        }
        for _ in 0..<(try reader.readCount("snapshot last payout", bytesEach: 2)) {
            let merchant = MerchantID(try reader.readVarint())
            lastPayout.append((merchant, try reader.readSignedVarint()))
        }
        for _ in 0..<(try reader.readCount("snapshot transfer sequences", bytesEach: 2)) {
            let producer = try reader.readVarint()
            transferSequences[producer] = try reader.readUInt32Varint("snapshot transfer sequence")
        }
        for _ in 0..<(try reader.readCount("snapshot rolled back")) {
            rolledBack.append(PaymentID(try reader.readVarint()))
        }
        seenTransfers = Set(try reader.readSortedIDs("snapshot seen transfers"))
        systemTrack = try reader.readTrack(version: version)
        report.records = try reader.readInt("snapshot records")
        report.transitions = try reader.readInt("snapshot transitions")
        report.acknowledgements = try reader.readInt("snapshot acknowledgements")
        report.bookingIntents = try reader.readInt("snapshot booking intents")
        report.bookingAborts = try reader.readInt("snapshot booking aborts")
        report.webhooksPendingDropped = try reader.readInt("snapshot webhooks dropped")
        for _ in 0..<(try reader.readCount("snapshot record types", bytesEach: 2)) {
            let type = try reader.readUInt8()
            report.recordsByType[type] = try reader.readInt("snapshot records of a type")
        }
        acknowledged = try reader.readInvariant(acknowledged.name)
        oneKeyOnePayment = try reader.readInvariant(oneKeyOnePayment.name)
        if version >= 2 {
            retired = try reader.readRetiredPayments()
            report.recordsAfterRetirement = try reader.readInt("snapshot records after retirement")
            for _ in 0..<(try reader.readCount("snapshot retired per merchant", bytesEach: 2)) {
                let merchant = MerchantID(try reader.readVarint())
                retiredByMerchant[merchant] = try reader.readInt("snapshot retired of a merchant")
            }
        }
    }

    /// Longest scoped idempotency key a snapshot may hold (merchant id, `/`, the client's key).
    static let keyBytesMax = 1_024
}

// MARK: Writing the fold's values

extension BinaryWriter {
    fileprivate mutating func writeSortedIDs(_ ids: Set<UInt64>) {
        writeVarint(UInt64(ids.count))
        var previous: UInt64 = 0
        for id in ids.sorted() {
            writeVarint(id - previous)
            previous = id
        }
    }

    fileprivate mutating func write(_ payment: RecoveredPayment) {
        let codes = PaymentJournalCodes.self
        writeVarint(payment.id.rawValue)
        writeVarint(payment.merchant.rawValue)
        write(UInt8(payment.currency.index))
        writeVarint(UInt64(codes.code(payment.network, in: codes.networks)))
        write(codes.code(payment.state))
        writeVarint(UInt64(codes.code(codes.decline(of: payment.state), in: codes.declines)))
        for amount in [
            payment.amountMinorUnits, payment.amountCapturableMinorUnits, payment.amountCapturedMinorUnits,
            payment.amountRefundedMinorUnits, payment.disputeAmountMinorUnits,
        ] {
            writeSignedVarint(amount)
        }
        writeVarint(UInt64(codes.code(payment.disputeStatus, in: codes.disputeStatuses)))
        write(UInt8((payment.isSettled ? 1 : 0) | (payment.isAuthenticated ? 2 : 0)))
    }

    fileprivate mutating func write(_ bookings: RecoveredBookings) {
        write(bookings.hold != nil)
        if let hold = bookings.hold { hold.encodeLengthPrefixed(into: &self) }
        for amount in [
            bookings.capturedSettled, bookings.feeSettled, bookings.refundedSettled, bookings.disputedSettled,
            bookings.disputeFeeSettled, bookings.createdAtNanoseconds,
        ] {
            writeSignedVarint(amount)
        }
        write(bookings.authorizedAtNanoseconds != nil)
        if let authorized = bookings.authorizedAtNanoseconds { writeSignedVarint(authorized) }
        writeSignedVarint(bookings.eventsEmitted)
        writeVarint(UInt64(bookings.networkRefunds.count))
        for refund in bookings.networkRefunds {
            writeVarint(refund.refundID.rawValue)
            writeSignedVarint(refund.amountMinorUnits)
        }
    }

    fileprivate mutating func write(_ transfers: [Transfer]) {
        writeVarint(UInt64(transfers.count))
        for transfer in transfers { transfer.encodeLengthPrefixed(into: &self) }
    }

    fileprivate mutating func write(_ track: PaymentRecoveryState.Track) {
        write(track.payment)
        writeSignedVarint(track.sequence)
        write(track.beforeUnbooked != nil)
        if let before = track.beforeUnbooked { write(before) }
        write(track.unbookedWasCapture)
        writeSignedVarint(Int64(track.captureCommands))
        writeSignedVarint(Int64(track.captureBookings))
        write(track.lastIntentUnseen)
        write(track.olderUnseen)
        write(track.bookings)
        write(track.bookingsBeforeLastIntent)
        writeVarint(UInt64(track.startedKeys.count))
        for key in track.startedKeys { writeString(key) }
        write(track.unbookedKey != nil)
        if let key = track.unbookedKey { writeString(key) }
        writeVarint(UInt64(track.unbookedEvents.count))
        for event in track.unbookedEvents { writeVarint(event) }
        writeVarint(UInt64(track.answeredKeys.count))
        for key in track.answeredKeys { writeString(key) }
        writeVarint(UInt64(track.transferIDs.count))
        for id in track.transferIDs { writeVarint(id) }
    }

    /// Each range as the gap after the previous range's end and its length less one.
    fileprivate mutating func write(_ retired: RetiredPayments) {
        writeVarint(UInt64(retired.rangeCount))
        var previous: UInt64 = 0
        for range in retired.ranges {
            writeVarint(range.lowerBound - previous)
            writeVarint(range.upperBound - range.lowerBound)
            previous = range.upperBound
        }
    }

    fileprivate mutating func write(_ webhook: PendingWebhook) {
        let codes = PaymentJournalCodes.self
        writeVarint(webhook.eventID.rawValue)
        writeVarint(UInt64(codes.code(webhook.type, in: codes.eventTypes)))
        writeVarint(webhook.payment.rawValue)
        writeVarint(webhook.merchant.rawValue)
        writeSignedVarint(webhook.amount.minorUnits)
        write(UInt8(webhook.amount.currency.index))
        writeSignedVarint(webhook.timeNanoseconds)
    }

    fileprivate mutating func write(_ answer: RecoveredAnswer) {
        writeVarint(answer.merchant.rawValue)
        writeString(answer.key)
        write(answer.operation.rawValue)
        writeSignedVarint(Int64(answer.status))
        write(answer.payment)
        writeSignedVarint(answer.timeNanoseconds)
    }

    fileprivate mutating func write(_ invariant: PaymentRecoveryReport.Invariant) {
        writeVarint(UInt64(invariant.violations))
        writeVarint(UInt64(invariant.examples.count))
        for example in invariant.examples { writeString(example) }
    }
}

// MARK: Reading them back

extension BinaryReader {
    fileprivate mutating func readInt(_ field: String) throws(JournalError) -> Int {
        let value = try readVarint()
        guard value <= UInt64(Int.max) else { throw .invalidField(field, reason: "\(value) out of range") }
        return Int(value)
    }

    fileprivate mutating func readUInt32Varint(_ field: String) throws(JournalError) -> UInt32 {
        let value = try readVarint()
        guard value <= UInt64(UInt32.max) else {
            throw .invalidField(field, reason: "\(value) beyond 32 bits")
        }
        return UInt32(value)
    }

    fileprivate mutating func readSortedIDs(_ field: String) throws(JournalError) -> [UInt64] {
        let count = try readCount(field)
        var ids: [UInt64] = []
        ids.reserveCapacity(count)
        var previous: UInt64 = 0
        for _ in 0..<count {
            let (next, overflow) = previous.addingReportingOverflow(try readVarint())
            guard !overflow, ids.isEmpty || next > previous else {
                throw .invalidField(field, reason: "ids not strictly ascending")
            }
            ids.append(next)
            previous = next
        }
        return ids
    }

    fileprivate mutating func readCurrency() throws(JournalError) -> Currency {
        let index = try readUInt8()
        guard Int(index) < Currency.all.count else {
            throw .invalidField("snapshot currency", reason: "unknown index \(index)")
        }
        return Currency.all[Int(index)]
    }

    fileprivate mutating func readPayment() throws(JournalError) -> RecoveredPayment {
        let codes = PaymentJournalCodes.self
        let id = PaymentID(try readVarint())
        let merchant = MerchantID(try readVarint())
        let currency = try readCurrency()
        let networkCode = try readVarint()
        let stateCode = try readUInt8()
        let decline: DeclineCode? = codes.value(Int64(clamping: try readVarint()), in: codes.declines)
        guard let state = codes.state(stateCode, decline: decline) else {
            throw .invalidField("snapshot payment \(id) state", reason: "unknown state \(stateCode)")
        }
        var amounts: [Int64] = []
        for _ in 0..<5 { amounts.append(try readSignedVarint()) }
        let disputeStatus: DisputeStatus? = codes.value(
            Int64(clamping: try readVarint()), in: codes.disputeStatuses)
        let flags = try readUInt8()
        return RecoveredPayment(
            id: id, merchant: merchant, currency: currency,
            network: codes.value(Int64(clamping: networkCode), in: codes.networks), state: state,
            amountMinorUnits: amounts[0], amountCapturableMinorUnits: amounts[1],
            amountCapturedMinorUnits: amounts[2], amountRefundedMinorUnits: amounts[3],
            disputeAmountMinorUnits: amounts[4], disputeStatus: disputeStatus, isSettled: flags & 1 != 0,
            isAuthenticated: flags & 2 != 0)
    }

    fileprivate mutating func readBookings(version: UInt8) throws(JournalError) -> RecoveredBookings {
        var bookings = RecoveredBookings()
        if try readBool() { bookings.hold = try Transfer(lengthPrefixedFrom: &self) }
        bookings.capturedSettled = try readSignedVarint()
        bookings.feeSettled = try readSignedVarint()
        bookings.refundedSettled = try readSignedVarint()
        bookings.disputedSettled = try readSignedVarint()
        bookings.disputeFeeSettled = try readSignedVarint()
        bookings.createdAtNanoseconds = try readSignedVarint()
        if try readBool() { bookings.authorizedAtNanoseconds = try readSignedVarint() }
        bookings.eventsEmitted = try readSignedVarint()
        if version >= 3 {
            let count = try readCount("snapshot refunds")
            for _ in 0..<count {
                let id = RefundID(try readVarint())
                bookings.networkRefunds.append(
                    RecoveredBookings.NetworkRefundBooking(
                        refundID: id, amountMinorUnits: try readSignedVarint()))
            }
        }
        return bookings
    }

    fileprivate mutating func readTransfers() throws(JournalError) -> [Transfer] {
        let count = try readCount("snapshot transfers")
        var transfers: [Transfer] = []
        transfers.reserveCapacity(count)
        for _ in 0..<count { transfers.append(try Transfer(lengthPrefixedFrom: &self)) }
        return transfers
    }

    fileprivate mutating func readTrack(version: UInt8) throws(JournalError) -> PaymentRecoveryState.Track {
        var track = PaymentRecoveryState.Track(payment: try readPayment())
        track.sequence = try readSignedVarint()
        if try readBool() { track.beforeUnbooked = try readPayment() }
        track.unbookedWasCapture = try readBool()
        track.captureCommands = Int(try readSignedVarint())
        track.captureBookings = Int(try readSignedVarint())
        track.lastIntentUnseen = try readTransfers()
        track.olderUnseen = try readTransfers()
        track.bookings = try readBookings(version: version)
        track.bookingsBeforeLastIntent = try readBookings(version: version)
        for _ in 0..<(try readCount("snapshot started keys")) {
            track.startedKeys.append(try readString(maxLength: PaymentRecoveryState.keyBytesMax))
        }
        if try readBool() { track.unbookedKey = try readString(maxLength: PaymentRecoveryState.keyBytesMax) }
        for _ in 0..<(try readCount("snapshot unbooked events")) {
            track.unbookedEvents.append(try readVarint())
        }
        guard version >= 2 else { return track }
        for _ in 0..<(try readCount("snapshot answered keys")) {
            track.answeredKeys.append(try readString(maxLength: PaymentRecoveryState.keyBytesMax))
        }
        for _ in 0..<(try readCount("snapshot track transfers")) {
            track.transferIDs.append(try readVarint())
        }
        return track
    }

    fileprivate mutating func readRetiredPayments() throws(JournalError) -> RetiredPayments {
        let count = try readCount("snapshot retired payments", bytesEach: 2)
        var ranges: [ClosedRange<UInt64>] = []
        ranges.reserveCapacity(count)
        var previous: UInt64 = 0
        for _ in 0..<count {
            let (lower, lowerOverflow) = previous.addingReportingOverflow(try readVarint())
            let (upper, upperOverflow) = lower.addingReportingOverflow(try readVarint())
            guard !lowerOverflow, !upperOverflow else {
                throw .invalidField("snapshot retired payments", reason: "range beyond 64 bits")
            }
            ranges.append(lower...upper)
            previous = upper
        }
        guard let retired = RetiredPayments(ranges: ranges) else {
            throw .invalidField("snapshot retired payments", reason: "ranges not ascending and apart")
        }
        return retired
    }

    fileprivate mutating func readPendingWebhook() throws(JournalError) -> PendingWebhook {
        let codes = PaymentJournalCodes.self
        let eventID = EventID(try readVarint())
        let typeCode = try readVarint()
        guard let type: PaymentEventType = codes.value(Int64(clamping: typeCode), in: codes.eventTypes) else {
            throw .invalidField("snapshot webhook \(eventID) type", reason: "unknown type \(typeCode)")
        }
        let payment = PaymentID(try readVarint())
        let merchant = MerchantID(try readVarint())
        let minorUnits = try readSignedVarint()
        let currency = try readCurrency()
        return PendingWebhook(
            eventID: eventID, type: type, payment: payment, merchant: merchant,
            amount: Money(minorUnits: minorUnits, currency: currency), timeNanoseconds: try readSignedVarint()
        )
    }

    fileprivate mutating func readAnswer() throws(JournalError) -> RecoveredAnswer {
        let merchant = MerchantID(try readVarint())
        let key = try readString(maxLength: PaymentRecoveryState.keyBytesMax)
        let rawOperation = try readUInt8()
        guard let operation = APIOperation(rawValue: rawOperation) else {
            throw .invalidField("snapshot answer operation", reason: "unknown operation \(rawOperation)")
        }
        let status = Int(clamping: try readSignedVarint())
        return RecoveredAnswer(
            merchant: merchant, key: key, operation: operation, status: status, payment: try readPayment(),
            timeNanoseconds: try readSignedVarint())
    }

    fileprivate mutating func readInvariant(
        _ name: String
    ) throws(JournalError) -> PaymentRecoveryReport.Invariant {
        var invariant = PaymentRecoveryReport.Invariant(name)
        invariant.violations = try readInt("snapshot invariant violations")
        let count = try readCount("snapshot invariant examples")
        guard count <= PaymentRecoveryReport.Invariant.examplesMax else {
            throw .invalidField("snapshot invariant examples", reason: "\(count) examples")
        }
        for _ in 0..<count { invariant.examples.append(try readString(maxLength: 4_096)) }
        return invariant
    }
}
