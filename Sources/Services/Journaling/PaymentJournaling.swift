import Core
import Journal
import Ledger
import PaystormRuntime

/// What the payment services write to the journal, and when: the few calls the orchestrator and
/// the API make so that everything they acknowledge is durable first (journal before
/// acknowledge).
///
/// - every transition: a `PaymentEventRecord` (`PaymentEventImage.Kind.transition`), appended
///   after the payment's shard applied it and before anyone acts on it;
/// - every booking: a `PaymentBookingRecord` intent before the ledger is called (the ledger then
///   journals the transfers it applied), an abort if the ledger refused;
/// - every API answer about a payment: an acknowledgement (`.acknowledgement`), appended before
///   the answer is returned, with the idempotency key;
/// - every onboarding: a `MerchantOnboardedRecord`.
///
/// A journal that refuses an append (a failed sync: nothing of the batch is durable) is met in
/// one of two ways, so that nothing is acknowledged that is not durable and nothing in memory
/// claims what the journal does not hold:
/// - the first append of a step (a transition, an acknowledgement, an onboarding, a key) is
///   tried once; on failure the step is undone in memory and the client gets
///   `PaymentServiceError.journalUnavailable` (503), to retry with the same idempotency key;
/// - an append that follows a durable step and only completes it (a booking intent after its
///   transition, an abort, a webhook settlement, the ledger's applied transfers, recovery's
///   repairs) is retried (`appendPersistently`) with backoff on the run's clock: undoing the
///   durable step would need an append as well.
enum PaymentJournaling {
    /// Attempts `appendPersistently` makes at most (about 40 s of backoff in all), and the
    /// first and longest wait between two.
    static let persistentAttemptsMax = 48
    static let persistentBackoff = Backoff(first: .milliseconds(10), max: .seconds(1))

    /// Appends `records`, retrying a refused append with exponential backoff (bounded).
    /// - Throws: the last `JournalError` when every attempt failed, or at once for a closed
    ///   journal (a fenced, dead process: retrying cannot help).
    static func appendPersistently(
        _ records: [JournalRecord], journal: any Journal, runtime: any Runtime
    ) async throws(JournalError) {
        var attempt = 1
        while true {
            do throws(JournalError) {
                _ = try await journal.append(records)
                return
            } catch {
                if case .closed = error { throw error }
                if attempt >= persistentAttemptsMax { throw error }
            }
            try? await runtime.sleep(for: persistentBackoff.delay(afterRetries: attempt - 1))
            attempt += 1
        }
    }

    /// The idempotency key of the API request being served, if any: journaled with each
    /// transition the request makes (see `PaymentSystem.call`).
    @TaskLocal static var idempotencyKey: String?

    /// Whether the orchestrator books ledger transfers after this transition (so that recovery
    /// can tell a transition whose booking never happened).
    static func expectsBooking(_ command: PaymentCommand, _ record: PaymentRecord) -> Bool {
        switch command {
        case .authorizationResult(.approved), .inquiryResult(.approved), .capture, .refund,
            .openDispute(_, isInquiry: false), .escalateInquiry, .closeDispute(.won), .bankReturn:
            true
        case .void, .expire: record.hold != nil
        default: false
        }
    }

    /// Journals a transition; the payment's first one also carries its card fields, sealed
    /// under `cipher` (none without a cipher).
    static func journalTransition(
        _ command: PaymentCommand, _ record: PaymentRecord, emitted: [PaymentEventType], now: SimTime,
        journal: any Journal, cipher: FieldCipher? = nil
    ) async throws(PaymentServiceError) {
        var image = PaymentEventImage(
            kind: .transition(command: PaymentJournalCodes.code(command), firstEvent: emitted.first),
            payment: RecoveredPayment(record), sequence: Int64(record.eventsEmitted),
            expectsBooking: expectsBooking(command, record), timeNanoseconds: now.nanoseconds,
            idempotencyKey: idempotencyKey, moreEvents: Array(emitted.dropFirst()))
        // The first transition: no events before this one's (the creation event is index 0).
        if let cipher, let card = record.card, record.eventsEmitted == emitted.count {
            do throws(JournalError) {
                image.encryptedCardFields = try card.sealed(for: record.id, with: cipher)
            } catch {
                throw .ledgerRefused(record.id, "card fields cannot be journaled: \(error)")
            }
        }
        do throws(JournalError) {
            _ = try await journal.append([JournalRecord(image.record)])
        } catch {
            throw .journalUnavailable(record.id, "journal append failed: \(error)")
        }
    }

    /// Journals a payment opened without a transition (it waits for confirmation), with its
    /// card fields as a first transition carries them: recovery sees it created, its creation
    /// event emitted.
    static func journalOpening(
        _ record: PaymentRecord, now: SimTime, journal: any Journal, cipher: FieldCipher?
    ) async throws(PaymentServiceError) {
        var image = PaymentEventImage(
            kind: .transition(command: PaymentJournalCodes.openCommand, firstEvent: nil),
            payment: RecoveredPayment(record), sequence: Int64(record.eventsEmitted), expectsBooking: false,
            timeNanoseconds: now.nanoseconds, idempotencyKey: idempotencyKey)
        if let cipher, let card = record.card {
            do throws(JournalError) {
                image.encryptedCardFields = try card.sealed(for: record.id, with: cipher)
            } catch {
                throw .ledgerRefused(record.id, "card fields cannot be journaled: \(error)")
            }
        }
        do throws(JournalError) {
            _ = try await journal.append([JournalRecord(image.record)])
        } catch {
            throw .journalUnavailable(record.id, "journal append failed: \(error)")
        }
    }

    /// The booking's intent follows a durable transition that expects it: retried, not undone.
    static func journalBooking(
        _ transfers: [Transfer], for id: PaymentID, journal: any Journal, runtime: any Runtime
    ) async throws(PaymentServiceError) {
        let booking = PaymentBookingRecord(
            paymentID: id.rawValue, kind: .intent, transfers: transfers.map(\.journalRecord))
        do throws(JournalError) {
            try await appendPersistently([JournalRecord(booking)], journal: journal, runtime: runtime)
        } catch {
            throw .ledgerRefused(id, "journal append failed \(persistentAttemptsMax) times: \(error)")
        }
    }

    /// Retried; if it still fails, recovery finds an intent the ledger does not hold and books
    /// it (the run already counted the refusal as a violation).
    static func journalBookingAborted(for id: PaymentID, journal: any Journal, runtime: any Runtime) async {
        try? await appendPersistently(
            [JournalRecord(PaymentBookingRecord(paymentID: id.rawValue, kind: .abort, transfers: []))],
            journal: journal, runtime: runtime)
    }

    static func journalOnboarding(
        _ merchant: MerchantID, settlementCurrency: Currency, now: SimTime, journal: any Journal
    ) async throws {
        _ = try await journal.append([
            JournalRecord(
                MerchantOnboardedRecord(
                    merchantID: merchant.rawValue,
                    settlementCurrencyIndex: UInt8(truncatingIfNeeded: settlementCurrency.index),
                    timeNanoseconds: now.nanoseconds))
        ])
    }

    /// Journals the answer `response` (about a payment) before it is returned; on failure the
    /// client gets a 503 instead, and the payment stays as the journal last shows it.
    static func acknowledge(
        _ response: APIResponse, operation: APIOperation, idempotencyKey: String?,
        orchestrator: PaymentOrchestrator, journal: any Journal, now: SimTime
    ) async -> APIResponse {
        // A retryable refusal (503, no payment named) is no answer the client may rely on.
        guard !response.replayed, let id = response.paymentID, let record = await orchestrator.payment(id)
        else {
            return response
        }
        if PlantedBug.active == .acknowledgeWithoutJournal { return response }
        let image = PaymentEventImage(
            kind: .acknowledgement(operation, httpStatus: response.status), payment: RecoveredPayment(record),
            sequence: Int64(record.eventsEmitted), expectsBooking: false, timeNanoseconds: now.nanoseconds,
            idempotencyKey: idempotencyKey)
        do throws(JournalError) {
            _ = try await journal.append([JournalRecord(image.record)])
            return response
        } catch {
            return .error(
                status: 503, type: "api_error", code: "journal_unavailable",
                message: "the answer could not be made durable: \(error)", payment: id)
        }
    }

}
