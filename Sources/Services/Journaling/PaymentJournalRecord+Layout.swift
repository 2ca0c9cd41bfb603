import Core
import Journal
import Ledger

/// The record's layout, written by hand against `BinaryWriter` and `BinaryReader`: a journaled
/// run writes every record and recovery reads every one, and through `Codable` each struct and
/// enum inside costs a boxed container and its generic metadata, each enum twice its `allKeys`
/// (recovery took 3.1x the CPU of format 1's hand-written records).
///
/// A record is its case's byte, then its values in order: identifiers, amounts and times as
/// varints, Core's named values as their index (`BinaryWriter.write(_:)` for a `Currency`...),
/// an optional as a presence byte and the value, a ledger transfer as its `LedgerTransferRecord`
/// layout. An enum case is a byte too; the few cases a record rarely carries (a dispute's
/// commands, a bank return, a locked FX rate) are the byte `codableTag` and their `Codable` form
/// (`BinaryWriter.writeCodable`), which is their layout in snapshots as well.
extension PaymentJournalRecord {
    static let codableTag: UInt8 = 255

    package func encode(into writer: inout BinaryWriter) {
        switch self {
        case .opened(let payment, let time, let key, let sealedCard):
            writer.write(0)
            writer.write(payment)
            writer.writeSignedVarint(time)
            writer.write(key) { $0.writeString($1) }
            writer.write(sealedCard) { $0.writeBytes($1) }
        case .transition(let transition):
            writer.write(1)
            writer.write(transition)
        case .bookingIntent(let id, let booking):
            writer.write(2)
            writer.writeVarint(id.rawValue)
            writer.write(booking)
        case .bookingAborted(let id):
            writer.write(3)
            writer.writeVarint(id.rawValue)
        case .acknowledged(let operation, let status, let answer, let time, let key):
            // The operation, status and payment first: `acknowledgement(in:)` reads only those.
            writer.write(4)
            writer.write(operation.rawValue)
            writer.writeSignedVarint(Int64(status))
            writer.write(answer)
            writer.writeSignedVarint(time)
            writer.write(key) { $0.writeString($1) }
        case .merchantOnboarded(let merchant, let currency, let time):
            writer.write(6)
            writer.writeVarint(merchant.rawValue)
            writer.write(currency)
            writer.writeSignedVarint(time)
        case .apiKeyIssued(let merchant, let hash):
            writer.write(7)
            writer.writeVarint(merchant.rawValue)
            writer.writeBytes(hash)
        case .webhookSettled(let event, let deadLettered):
            writer.write(8)
            writer.writeVarint(event.rawValue)
            writer.write(deadLettered)
        case .paymentIDBlock(let firstID):
            writer.write(9)
            writer.writeVarint(firstID)
        case .paymentRetired(let id):
            writer.write(10)
            writer.writeVarint(id.rawValue)
        }
    }

    package init(from reader: inout BinaryReader) throws(JournalError) {
        let tag = try reader.readUInt8()
        switch tag {
        case 0:
            self = .opened(
                try reader.read(RecoveredPayment.self), timeNanoseconds: try reader.readSignedVarint(),
                idempotencyKey: try reader.readBool() ? try reader.readString() : nil,
                sealedCard: try reader.readBool() ? try reader.readBytes() : nil)
        case 1: self = .transition(try reader.read(JournaledTransition.self))
        case 2:
            self = .bookingIntent(
                PaymentID(try reader.readVarint()), try reader.read(PaymentProcess.Booking.self))
        case 3: self = .bookingAborted(PaymentID(try reader.readVarint()))
        case 4:
            self = .acknowledged(
                try reader.read(APIOperation.self), httpStatus: try reader.readInt(),
                answer: try reader.read(RecoveredPayment.self),
                timeNanoseconds: try reader.readSignedVarint(),
                idempotencyKey: try reader.readBool() ? try reader.readString() : nil)
        case 6:
            self = .merchantOnboarded(
                MerchantID(try reader.readVarint()), settlementCurrency: try reader.read(Currency.self),
                timeNanoseconds: try reader.readSignedVarint())
        case 7: self = .apiKeyIssued(MerchantID(try reader.readVarint()), keyHash: try reader.readBytes())
        case 8: self = .webhookSettled(EventID(try reader.readVarint()), deadLettered: try reader.readBool())
        case 9: self = .paymentIDBlock(firstID: try reader.readVarint())
        case 10: self = .paymentRetired(PaymentID(try reader.readVarint()))
        default: throw .invalidField("PaymentJournalRecord", reason: "unknown case \(tag)")
        }
    }

    /// The operation, status and payment of an acknowledgement, read from its first bytes (the
    /// chaos journal looks at every append); nil for any other record.
    package static func acknowledgement(
        in record: JournalRecord
    ) -> (operation: APIOperation, httpStatus: Int, payment: PaymentID)? {
        var reader = BinaryReader(record.payload)
        guard record.type == recordType, (try? reader.readUInt8()) == 4 else { return nil }
        return try? (reader.read(APIOperation.self), reader.readInt(), PaymentID(reader.readVarint()))
    }
}

extension BinaryWriter {
    fileprivate mutating func write(_ image: RecoveredPayment) {
        let payment = image.payment
        writeVarint(image.id.rawValue)
        writeVarint(image.merchant.rawValue)
        write(payment.amount.currency)
        write(image.network) { $0.write($1.accountCode) }
        write(payment.state)
        writeSignedVarint(payment.amount.minorUnits)
        writeSignedVarint(payment.amountCapturableMinorUnits)
        writeSignedVarint(payment.amountCapturedMinorUnits)
        writeSignedVarint(payment.amountRefundedMinorUnits)
        writeSignedVarint(payment.dispute?.amountMinorUnits ?? 0)
        write(payment.dispute?.status) { $0.write($1) }
        write(payment.isSettled)
        write(payment.isAuthenticated)
    }

    /// A state without a value as its index in `BinaryReader.states`; a failure as 255 and its code.
    fileprivate mutating func write(_ state: PaymentState) {
        if case .failed(let code) = state {
            write(PaymentJournalRecord.codableTag)
            write(code)
        } else {
            write(UInt8(BinaryReader.states.firstIndex(of: state)!))
        }
    }

    fileprivate mutating func write(_ transition: JournaledTransition) {
        write(transition.command)
        write(transition.next)
        writeVarint(UInt64(transition.events.count))
        for event in transition.events { write(event) }
        write(transition.result)
        writeSignedVarint(Int64(transition.eventsEmitted))
        write(transition.booking) { $0.write($1) }
        writeSignedVarint(transition.timeNanoseconds)
        write(transition.idempotencyKey) { $0.writeString($1) }
        write(transition.sealedCard) { $0.writeBytes($1) }
    }

    /// A command without values as its index in `BinaryReader.plainCommands`; any other as a
    /// byte after those, then its values.
    fileprivate mutating func write(_ command: PaymentCommand) {
        if let index = BinaryReader.plainCommands.firstIndex(of: command) { return write(UInt8(index)) }
        switch command {
        case .authorizationResult(.declined(let code)):
            write(20)
            write(code)
        case .inquiryResult(.declined(let code)):
            write(21)
            write(code)
        case .capture(let amount):
            write(22)
            write(amount) { $0.writeSignedVarint($1) }
        case .refund(let amount):
            write(23)
            writeSignedVarint(amount)
        default:
            write(PaymentJournalRecord.codableTag)
            writeCodable(command)
        }
    }

    fileprivate mutating func write(_ next: PaymentProcess.Next) {
        if let index = BinaryReader.plainSteps.firstIndex(of: next) { return write(UInt8(index)) }
        switch next {
        case .decline(let code):
            write(20)
            write(code)
        case .refund(let amount):
            write(21)
            writeSignedVarint(amount)
        default:
            write(PaymentJournalRecord.codableTag)
            writeCodable(next)
        }
    }

    fileprivate mutating func write(_ booking: PaymentProcess.Booking) {
        writeVarint(UInt64(booking.transfers.count))
        for transfer in booking.transfers { write(transfer) }
        write(booking.network) { $0.write($1.accountCode) }
        write(booking.day) { $0.writeSignedVarint($1) }
        write(booking.isFiledOnSettlementDay)
        switch booking.purpose {
        case .hold(let hold, let automatic):
            write(0)
            write(hold)
            write(automatic)
        case .capture(let rate, let captured, let settled, let fee, let hold):
            write(1)
            write(rate) { $0.writeCodable($1) }
            writeSignedVarint(captured)
            writeSignedVarint(settled)
            writeSignedVarint(fee)
            write(hold)
        case .release: write(2)
        case .refund(let id, let amount, let settled):
            write(3)
            writeVarint(id.rawValue)
            writeSignedVarint(amount.minorUnits)
            write(amount.currency)
            writeSignedVarint(settled)
        case .payout: write(4)
        case .disputeWithdrawal, .disputeReinstatement, .bankReturn, .planted:
            write(PaymentJournalRecord.codableTag)
            writeCodable(booking.purpose)
        }
    }

    fileprivate mutating func write(_ transfer: Transfer) { transfer.journalRecord.encode(into: &self) }
}

extension BinaryReader {
    /// The states that carry no value, in the order of their bytes: a new one goes last.
    fileprivate static let states: [PaymentState] = [
        .created, .requiresAction, .authorizationUnknown, .authorized, .captured, .settled, .voided, .expired,
        .refunded, .disputed, .returned,
    ]

    /// The commands and steps that carry no value but flags, in the order of their bytes: a new
    /// one goes last.
    fileprivate static let plainCommands: [PaymentCommand] = [
        .authorizationResult(.approved), .authorizationResult(.timedOut), .inquiryResult(.approved),
        .inquiryResult(.notFound), .requireAction, .actionCompleted, .actionAbandoned, .reverse, .void,
        .expire,
        .settle,
    ]
    fileprivate static let plainSteps: [PaymentProcess.Next] =
        [
            .done, .waitForCustomer, .reverse, .capture, .release, .withdrawDisputedFunds,
            .reinstateDisputedFunds,
        ]
        + [false, true].flatMap { automatic in
            [
                .challenge(capturesAutomatically: automatic), .authorize(capturesAutomatically: automatic),
                .bookHold(capturesAutomatically: automatic),
                .inquire(capturesAutomatically: automatic, countsTimeout: false),
                .inquire(capturesAutomatically: automatic, countsTimeout: true),
            ]
        }

    fileprivate mutating func readInt() throws(JournalError) -> Int {
        let value = try readSignedVarint()
        guard let int = Int(exactly: value) else {
            throw .invalidField("Int", reason: "\(value) out of range")
        }
        return int
    }

    fileprivate mutating func read(_: APIOperation.Type) throws(JournalError) -> APIOperation {
        let raw = try readUInt8()
        guard let operation = APIOperation(rawValue: raw) else {
            throw .invalidField("APIOperation", reason: "unknown operation \(raw)")
        }
        return operation
    }

    fileprivate mutating func read(_: PaymentNetwork.Type) throws(JournalError) -> PaymentNetwork {
        let code = try readUInt8()
        guard let network = PaymentNetwork(accountCode: code) else {
            throw .invalidField("PaymentNetwork", reason: "unknown network \(code)")
        }
        return network
    }

    /// - Throws: `.invalidField(RecoveredPayment.boundsInvariant, ...)` for amounts that break
    ///   `Payment`'s invariants (recovery counts and skips the record).
    fileprivate mutating func read(_: RecoveredPayment.Type) throws(JournalError) -> RecoveredPayment {
        let (id, merchant) = (PaymentID(try readVarint()), MerchantID(try readVarint()))
        let currency = try read(Currency.self)
        let network = try readBool() ? try read(PaymentNetwork.self) : nil
        let state = try read(PaymentState.self)
        let (amount, capturable, captured) = (
            try readSignedVarint(), try readSignedVarint(), try readSignedVarint()
        )
        let (refunded, disputed) = (try readSignedVarint(), try readSignedVarint())
        let disputeStatus = try readBool() ? try read(DisputeStatus.self) : nil
        let (isSettled, isAuthenticated) = (try readBool(), try readBool())
        do {
            let payment = try Payment(
                restoring: state, amount: Money(minorUnits: amount, currency: currency),
                amountCapturableMinorUnits: capturable, amountCapturedMinorUnits: captured,
                amountRefundedMinorUnits: refunded, dispute: disputeStatus.map { (disputed, $0) },
                isSettled: isSettled, isAuthenticated: isAuthenticated)
            return RecoveredPayment(id: id, merchant: merchant, network: network, payment: payment)
        } catch {
            throw .invalidField(RecoveredPayment.boundsInvariant, reason: "\(id): \(error)")
        }
    }

    fileprivate mutating func read(_: PaymentState.Type) throws(JournalError) -> PaymentState {
        let tag = try readUInt8()
        if tag == PaymentJournalRecord.codableTag { return .failed(try read(DeclineCode.self)) }
        guard Int(tag) < Self.states.count else {
            throw .invalidField("PaymentState", reason: "unknown state \(tag)")
        }
        return Self.states[Int(tag)]
    }

    fileprivate mutating func read(_: JournaledTransition.Type) throws(JournalError) -> JournaledTransition {
        let command = try read(PaymentCommand.self)
        let next = try read(PaymentProcess.Next.self)
        var events: [PaymentEventType] = []
        for _ in 0..<(try readCount("JournaledTransition.events")) {
            events.append(try read(PaymentEventType.self))
        }
        return JournaledTransition(
            command: command, next: next, events: events, result: try read(RecoveredPayment.self),
            eventsEmitted: try readInt(),
            booking: try readBool() ? try read(PaymentProcess.Booking.self) : nil,
            timeNanoseconds: try readSignedVarint(),
            idempotencyKey: try readBool() ? try readString() : nil,
            sealedCard: try readBool() ? try readBytes() : nil)
    }

    fileprivate mutating func read(_: PaymentCommand.Type) throws(JournalError) -> PaymentCommand {
        let tag = try readUInt8()
        if Int(tag) < Self.plainCommands.count { return Self.plainCommands[Int(tag)] }
        switch tag {
        case 20: return .authorizationResult(.declined(try read(DeclineCode.self)))
        case 21: return .inquiryResult(.declined(try read(DeclineCode.self)))
        case 22: return .capture(amountMinorUnits: try readBool() ? try readSignedVarint() : nil)
        case 23: return .refund(amountMinorUnits: try readSignedVarint())
        case PaymentJournalRecord.codableTag: return try readCodable(PaymentCommand.self)
        default: throw .invalidField("PaymentCommand", reason: "unknown command \(tag)")
        }
    }

    fileprivate mutating func read(_: PaymentProcess.Next.Type) throws(JournalError) -> PaymentProcess.Next {
        let tag = try readUInt8()
        if Int(tag) < Self.plainSteps.count { return Self.plainSteps[Int(tag)] }
        switch tag {
        case 20: return .decline(try read(DeclineCode.self))
        case 21: return .refund(amountMinorUnits: try readSignedVarint())
        case PaymentJournalRecord.codableTag: return try readCodable(PaymentProcess.Next.self)
        default: throw .invalidField("PaymentProcess.Next", reason: "unknown step \(tag)")
        }
    }

    fileprivate mutating func read(
        _: PaymentProcess.Booking.Type
    ) throws(JournalError) -> PaymentProcess.Booking {
        var transfers: [Transfer] = []
        for _ in 0..<(try readCount("Booking.transfers")) { transfers.append(try read(Transfer.self)) }
        let network = try readBool() ? try read(PaymentNetwork.self) : nil
        let day = try readBool() ? try readSignedVarint() : nil
        let isFiledOnSettlementDay = try readBool()
        let purpose: PaymentProcess.Booking.Purpose =
            switch try readUInt8() {
            case 0: .hold(try read(Transfer.self), capturesAutomatically: try readBool())
            case 1:
                .capture(
                    lockedRate: try readBool() ? try readCodable(LockedRate.self) : nil,
                    capturedMinorUnits: try readSignedVarint(), settledMinorUnits: try readSignedVarint(),
                    feeMinorUnits: try readSignedVarint(), hold: try read(Transfer.self))
            case 2: .release
            case 3:
                .refund(
                    RefundID(try readVarint()),
                    amount: Money(minorUnits: try readSignedVarint(), currency: try read(Currency.self)),
                    settledMinorUnits: try readSignedVarint())
            case 4: .payout
            case PaymentJournalRecord.codableTag: try readCodable(PaymentProcess.Booking.Purpose.self)
            case let tag: throw .invalidField("Booking.Purpose", reason: "unknown purpose \(tag)")
            }
        return PaymentProcess.Booking(
            transfers: transfers, network: network, day: day, isFiledOnSettlementDay: isFiledOnSettlementDay,
            purpose: purpose)
    }

    fileprivate mutating func read(_: Transfer.Type) throws(JournalError) -> Transfer {
        try Transfer(journalRecord: LedgerTransferRecord(from: &self))
    }
}
