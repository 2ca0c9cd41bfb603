import Core
import Journal
import Ledger
import PaystormRuntime

/// The payment services' one durability boundary: everything they acknowledge passes through
/// here first (journal before acknowledge). `DurablePaymentJournal` writes it to a `Journal`;
/// `NullPaymentJournal`, the port of a run that keeps nothing, accepts every call and discards
/// it, so that the services never ask whether there is a journal and an unjournaled run builds
/// no record it would throw away.
///
/// - every transition: a `PaymentJournalRecord.transition` (its command, next step and the
///   booking that follows), appended after the payment's shard applied it and before anyone
///   acts on it (the ledger then journals the transfers it applied), an abort if the ledger
///   refused the booking;
/// - a booking no transition carries (a payout, a planted bug's): its intent, before the
///   ledger is called;
/// - every API answer about a payment: an acknowledgement, appended before the answer is
///   returned, with the idempotency key;
/// - every onboarding and API key, every retirement, every webhook's settlement.
///
/// A journal that refuses an append (a failed sync: nothing of the batch is durable) is met in
/// one of two ways, so that nothing is acknowledged that is not durable and nothing in memory
/// claims what the journal does not hold:
/// - the first append of a step (a transition, an acknowledgement, an onboarding, a key) is
///   tried once; on failure the step is undone in memory and the client gets
///   `PaymentServiceError.journalUnavailable` (503), to retry with the same idempotency key;
/// - an append that follows a durable step and only completes it (an intent, an abort, a
///   webhook settlement, the ledger's applied transfers, recovery's repairs) is retried
///   (`PaymentJournaling.appendPersistently`) with backoff on the run's clock: undoing the
///   durable step would need an append as well.
public protocol PaymentJournal: Sendable {
    /// Whether what passes through is kept. What needs a history to work from (recovery, a
    /// restart of the webhook dispatcher, a server's `--resume`) refuses a port that keeps none.
    var isDurable: Bool { get }

    /// The log the records go to, to read them back (a `NullJournal`, empty, when none is kept).
    var log: any Journal { get }

    /// Seals the card fields a payment's first record carries, and opens them again in
    /// recovery; nil journals none (a recovered payment then has no card fields).
    var cipher: FieldCipher? { get }

    /// Journals a transition with the booking that follows it, if any; the payment's first one
    /// also carries its card fields, sealed.
    /// - Throws: `journalUnavailable` when the append was refused (the caller undoes it).
    func transition(_ transition: PaymentProcess.Transition) async throws(PaymentServiceError)

    /// Journals a payment opened without a transition (it waits for confirmation), with its
    /// card fields as a first transition carries them: recovery sees it created, its creation
    /// event emitted.
    func opening(_ record: PaymentRecord, now: SimTime) async throws(PaymentServiceError)

    /// The intent of a booking no transition carries, before the ledger is called: retried, not
    /// undone.
    func bookingIntent(
        _ booking: PaymentProcess.Booking, for id: PaymentID, runtime: any Runtime
    ) async throws(PaymentServiceError)

    /// The ledger refused the booking whose intent was journaled. Retried; if it still fails,
    /// recovery finds an intent the ledger does not hold and books it.
    func bookingAborted(for id: PaymentID, runtime: any Runtime) async

    /// A payment retired from memory, so that recovery's fold forgets it too. Tried once: a
    /// lost retirement only leaves the payment in the fold.
    func retirement(of id: PaymentID) async

    /// A merchant onboarded, before its key is handed out.
    func onboarding(_ merchant: MerchantID, settlementCurrency: Currency, now: SimTime) async throws

    /// An API key's hash, before the key is handed out or accepted, so that a recovered system
    /// still accepts it.
    func keyIssued(_ hash: APIKeyHash, for merchant: MerchantID) async throws

    /// Runs `answer` (an API call about a payment) and journals the answer before it is
    /// returned; the request's idempotency key rides along with every transition the call
    /// journals, so that recovery can tell which key started work whose answer never became
    /// durable. An answer that cannot be made durable becomes a 503.
    func acknowledging(
        _ operation: APIOperation, idempotencyKey: String?, system: PaymentSystem,
        _ answer: () async -> APIResponse
    ) async -> APIResponse

    /// What the webhook dispatcher calls as events' deliveries end, to journal their settlement
    /// (recovery then knows which events are still owed); nil when nothing is kept, and the
    /// dispatcher hands no settlement over at all.
    func webhookSettlementRecorder(
        runtime: any Runtime
    ) -> (@Sendable ([(id: EventID, deadLettered: Bool)]) async -> Void)?
}
