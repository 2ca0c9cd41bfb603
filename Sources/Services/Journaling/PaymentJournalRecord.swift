import Core
import Journal
import Ledger

/// Everything the payment services journal, as one record type (its layout in
/// `PaymentJournalRecord+Layout`): what each payment's process decided and was given back
/// (its transitions and bookings), the API's answers, and the facts around payments (merchants,
/// keys, webhook settlements, id blocks, retirements). `PaymentJournal` says when each is
/// appended; `PaymentRecoveryState` replays them.
///
/// Format version 3: a transition carries the booking that follows it. Earlier versions (2: the
/// booking's intent a record of its own, appended after the transition; 1: a
/// `PaymentEventRecord` per transition with hand-numbered codes, a record type per fact) are
/// refused by recovery with `RecoveryError.journalFormat`, not converted: a journal is read by
/// the build that wrote it, or replaced.
package enum PaymentJournalRecord: JournalCodable, Sendable {
    package static let recordType: UInt8 = JournalRecordType.servicesRange.lowerBound + 8
    package static let formatVersion: UInt8 = 3
    /// The record types of format version 1, which this build refuses.
    static let formatOneTypes: Set<UInt8> = Set(
        [JournalRecordType.paymentEvent] + (0...5).map { JournalRecordType.servicesRange.lowerBound + $0 })

    /// A payment opened and left waiting for its confirmation: recovery sees it created, its
    /// creation event emitted. Carries its card fields as a first transition does.
    case opened(RecoveredPayment, timeNanoseconds: Int64, idempotencyKey: String?, sealedCard: [UInt8]?)
    case transition(JournaledTransition)
    /// A booking no transition carries (a payout, payment 0; a planted bug's), before the ledger
    /// is called: the redo record, as a transition's booking is (recovery books every transfer
    /// of it the ledger did not journal).
    case bookingIntent(PaymentID, PaymentProcess.Booking)
    /// The ledger refused the payment's latest booking: it moved nothing.
    case bookingAborted(PaymentID)
    /// The API answered `httpStatus` to `operation` about the payment, as `answer` shows it.
    case acknowledged(
        APIOperation, httpStatus: Int, answer: RecoveredPayment, timeNanoseconds: Int64,
        idempotencyKey: String?)
    case merchantOnboarded(MerchantID, settlementCurrency: Currency, timeNanoseconds: Int64)
    /// An API key's SHA-256 hash, never the secret: a recovered system accepts the key again.
    case apiKeyIssued(MerchantID, keyHash: [UInt8])
    /// A webhook event's delivery ended (delivered, or dead-lettered after its last attempt):
    /// no longer owed.
    case webhookSettled(EventID, deadLettered: Bool)
    /// The first payment id a resumed life reserved (its block), before handing out any.
    case paymentIDBlock(firstID: UInt64)
    /// A payment retired from memory: recovery forgets it too.
    case paymentRetired(PaymentID)
}

/// One transition as the payment's process decided it: Core's command (with its amounts and
/// decline code) and the step that follows it, which recovery runs through the live
/// `PaymentProcess`; with the events it emitted and the payment after it, which the replay is
/// checked against (and which a transition that landed out of order is taken as).
package struct JournaledTransition: Sendable {
    var command: PaymentCommand
    var next: PaymentProcess.Next
    var events: [PaymentEventType]
    var result: RecoveredPayment
    /// The payment's events emitted after it: orders its transitions when two appends of one
    /// payment reach the journal out of order.
    var eventsEmitted: Int
    /// The booking that follows, decided with it: the redo record of its transfers.
    var booking: PaymentProcess.Booking?
    var timeNanoseconds: Int64
    /// The key of the request that made it: recovery tells from it which keys began work whose
    /// answer never became durable.
    var idempotencyKey: String?
    /// The payment's card fields sealed by `FieldCipher` (`JournaledCardFields`): on its first
    /// transition only, and only when the run has a journal key.
    var sealedCard: [UInt8]?
}
