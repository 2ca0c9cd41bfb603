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
/// A journal failure fails the operation with a 500-class error (`ledgerRefused`, the API's
/// internal error): nothing is acknowledged that is not durable.
enum PaymentJournaling {
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
            expectsBooking: expectsBooking(command, record), timeNs: now.nanoseconds,
            idempotencyKey: idempotencyKey, moreEvents: Array(emitted.dropFirst()))
        // The first transition: no events before this one's (the creation event is index 0).
        if let cipher, let card = record.card, record.eventsEmitted == emitted.count {
            do throws(JournalError) {
                image.encryptedCardFields = try card.sealed(for: record.id, with: cipher)
            } catch {
                throw .ledgerRefused(record.id, "card fields cannot be journaled: \(error)")
            }
        }
        try await append([JournalRecord(image.record)], for: record.id, journal)
    }

    static func journalBooking(
        _ transfers: [Transfer], for id: PaymentID, journal: any Journal
    ) async throws(PaymentServiceError) {
        let booking = PaymentBookingRecord(
            paymentID: id.rawValue, kind: .intent, transfers: transfers.map(\.journalRecord))
        try await append([JournalRecord(booking)], for: id, journal)
    }

    /// Best effort: if this append fails too, recovery finds an intent the ledger does not hold
    /// and books it (the run already counted the refusal as a violation).
    static func journalBookingAborted(for id: PaymentID, journal: any Journal) async {
        _ = try? await journal.append([
            JournalRecord(PaymentBookingRecord(paymentID: id.rawValue, kind: .abort, transfers: []))
        ])
    }

    static func journalOnboarding(
        _ merchant: MerchantID, settlementCurrency: Currency, now: SimTime, journal: any Journal
    ) async throws {
        _ = try await journal.append([
            JournalRecord(
                MerchantOnboardedRecord(
                    merchantID: merchant.rawValue,
                    settlementCurrencyIndex: UInt8(truncatingIfNeeded: settlementCurrency.index),
                    timeNs: now.nanoseconds))
        ])
    }

    /// Journals the answer `response` (about a payment) before it is returned; on failure the
    /// client gets a 503 instead, and the payment stays as the journal last shows it.
    static func acknowledge(
        _ response: APIResponse, operation: APIOperation, idempotencyKey: String?,
        orchestrator: PaymentOrchestrator, journal: any Journal, now: SimTime
    ) async -> APIResponse {
        guard !response.replayed, let id = response.paymentID, let record = await orchestrator.payment(id)
        else {
            return response
        }
        if PlantedBug.active == .acknowledgeWithoutJournal { return response }
        let image = PaymentEventImage(
            kind: .acknowledgement(operation, httpStatus: response.status), payment: RecoveredPayment(record),
            sequence: Int64(record.eventsEmitted), expectsBooking: false, timeNs: now.nanoseconds,
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

    private static func append(
        _ records: [JournalRecord], for id: PaymentID, _ journal: any Journal
    ) async throws(PaymentServiceError) {
        do throws(JournalError) {
            _ = try await journal.append(records)
        } catch {
            throw .ledgerRefused(id, "journal append failed: \(error)")
        }
    }
}
