import Core
import Journal

/// A payment as one journaled `PaymentEventRecord` shows it: after a transition, or as the API
/// acknowledged it to the client. The typed view of the record's generic fields.
///
/// `amounts` layout (version 1), all minor units or small codes:
/// `[command or operation, amount, capturable, captured, refunded, dispute amount,
///   dispute status, decline code, network, sequence, flags, HTTP status]`, where the codes
/// are 1-based in `PaymentJournalCodes`' tables (0: none), `sequence` orders the transitions
/// of one payment (its events emitted so far), and the flags are bit 0 "a ledger booking
/// follows", bit 1 settled, bit 2 authenticated. A transition that emitted more than one event
/// appends the codes of the others after these twelve (readers of the first twelve ignore them).

package struct PaymentEventImage: Sendable, Hashable {
    package enum Kind: Sendable, Hashable {
        /// A state change: the command's code (`PaymentJournalCodes`) and the first event it
        /// emitted.
        case transition(command: UInt8, firstEvent: PaymentEventType?)
        /// The API answered `httpStatus` to `operation` about this payment.
        case acknowledgement(APIOperation, httpStatus: Int)
    }

    package var kind: Kind
    package var payment: RecoveredPayment
    /// Orders the transitions of one payment when concurrent appends reach the journal out of
    /// order: the number of events the payment had emitted after this transition.
    package var sequence: Int64
    /// The orchestrator will book ledger transfers for this transition (a `PaymentBookingRecord`
    /// intent follows unless the process died first).
    package var expectsBooking: Bool
    package var timeNanoseconds: Int64
    package var idempotencyKey: String?
    /// The events a transition emitted after its first, in order.
    package var moreEvents: [PaymentEventType] = []
    /// The payment's card fields sealed by `FieldCipher` (`JournaledCardFields`): on its first
    /// transition only, and only when the run has a journal key.
    package var encryptedCardFields: [UInt8]?

    static let amountsCount = 12

    /// The journal record.
    package var record: PaymentEventRecord {
        let codes = PaymentJournalCodes.self
        var head: Int64 = 0
        var eventType: UInt16 = 0
        var httpStatus: Int64 = 0
        switch kind {
        case .transition(let command, let firstEvent):
            head = Int64(command)
            eventType = UInt16(codes.code(firstEvent, in: codes.eventTypes))
        case .acknowledgement(let operation, let status):
            head = Int64(operation.rawValue)
            eventType = codes.acknowledgementBit | UInt16(operation.rawValue)
            httpStatus = Int64(status)
        }
        var flags: Int64 = 0
        if expectsBooking { flags |= 1 }
        if payment.isSettled { flags |= 2 }
        if payment.isAuthenticated { flags |= 4 }
        var amounts: [Int64] = [
            head, payment.amountMinorUnits, payment.amountCapturableMinorUnits,
            payment.amountCapturedMinorUnits, payment.amountRefundedMinorUnits,
            payment.disputeAmountMinorUnits, codes.code(payment.disputeStatus, in: codes.disputeStatuses),
            codes.code(codes.decline(of: payment.state), in: codes.declines),
            codes.code(payment.network, in: codes.networks), sequence, flags, httpStatus,
        ]
        for event in moreEvents { amounts.append(codes.code(event, in: codes.eventTypes)) }
        return PaymentEventRecord(
            paymentID: payment.id.rawValue, merchantID: payment.merchant.rawValue, eventType: eventType,
            state: codes.code(payment.state), amounts: amounts,
            currencyIndex: UInt8(truncatingIfNeeded: payment.currency.index),
            timeNanoseconds: timeNanoseconds,
            idempotencyKey: idempotencyKey, encryptedCardFields: encryptedCardFields)
    }
}

// Apart from the declaration, so that the memberwise initializer (the writers') is synthesized.
extension PaymentEventImage {
    /// Reads a journaled record back.
    /// - Throws: `JournalError.invalidField` when a code is unknown or the layout is short.
    package init(record: PaymentEventRecord) throws(JournalError) {
        let codes = PaymentJournalCodes.self
        let amounts = record.amounts
        guard amounts.count >= Self.amountsCount else {
            throw .invalidField(
                "PaymentEventRecord.amounts",
                reason: "\(amounts.count) amounts, expected \(Self.amountsCount)")
        }
        guard Int(record.currencyIndex) < Currency.all.count else {
            throw .invalidField(
                "PaymentEventRecord.currencyIndex", reason: "unknown index \(record.currencyIndex)")
        }
        let decline: DeclineCode? = codes.value(amounts[7], in: codes.declines)
        guard let state = codes.state(record.state, decline: decline) else {
            throw .invalidField("PaymentEventRecord.state", reason: "unknown state \(record.state)")
        }
        guard (0...255).contains(amounts[0]) else {
            throw .invalidField("PaymentEventRecord.amounts[0]", reason: "command \(amounts[0]) out of range")
        }
        if record.eventType & codes.acknowledgementBit != 0 {
            guard let operation = APIOperation(rawValue: UInt8(truncatingIfNeeded: record.eventType)) else {
                throw .invalidField(
                    "PaymentEventRecord.eventType", reason: "unknown operation \(record.eventType)")
            }
            kind = .acknowledgement(operation, httpStatus: Int(clamping: amounts[11]))
        } else {
            kind = .transition(
                command: UInt8(amounts[0]),
                firstEvent: codes.value(Int64(record.eventType), in: codes.eventTypes))
        }
        payment = RecoveredPayment(
            id: PaymentID(record.paymentID), merchant: MerchantID(record.merchantID),
            currency: Currency.all[Int(record.currencyIndex)],
            network: codes.value(amounts[8], in: codes.networks),
            state: state, amountMinorUnits: amounts[1], amountCapturableMinorUnits: amounts[2],
            amountCapturedMinorUnits: amounts[3], amountRefundedMinorUnits: amounts[4],
            disputeAmountMinorUnits: amounts[5],
            disputeStatus: codes.value(amounts[6], in: codes.disputeStatuses),
            isSettled: amounts[10] & 2 != 0, isAuthenticated: amounts[10] & 4 != 0)
        sequence = amounts[9]
        moreEvents = amounts.dropFirst(Self.amountsCount).compactMap { codes.value($0, in: codes.eventTypes) }
        expectsBooking = amounts[10] & 1 != 0
        timeNanoseconds = record.timeNanoseconds
        idempotencyKey = record.idempotencyKey
        encryptedCardFields = record.encryptedCardFields
    }
}
