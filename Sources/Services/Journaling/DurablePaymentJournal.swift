import Core
import Journal
import Ledger
import PaystormRuntime

/// The port over a `Journal` that keeps what it is given: every call becomes a record appended
/// to `log` (see `PaymentJournal` for which records, and how a refused append is met).
public struct DurablePaymentJournal: PaymentJournal {
    public let log: any Journal
    /// Give every journal its own key: nonces are (domain, payment id), so two unrelated
    /// journals under one key and one domain would reuse them.
    public let cipher: FieldCipher?

    public init(_ log: any Journal, cipher: FieldCipher? = nil) {
        self.log = log
        self.cipher = cipher
    }

    public var isDurable: Bool { true }

    public func transition(_ transition: PaymentProcess.Transition) async throws(PaymentServiceError) {
        let record = transition.applied
        // The first transition: no events before this one's (the creation event is index 0).
        let sealedCard = record.eventsEmitted == transition.events.count ? try sealedCard(of: record) : nil
        let journaled = JournaledTransition(
            command: transition.command, next: transition.next, events: transition.events,
            result: RecoveredPayment(record), eventsEmitted: record.eventsEmitted,
            booking: transition.booking, timeNanoseconds: transition.time.nanoseconds,
            idempotencyKey: PaymentJournaling.idempotencyKey, sealedCard: sealedCard)
        try await appendOnce(.transition(journaled), for: record.id)
    }

    public func opening(_ record: PaymentRecord, now: SimTime) async throws(PaymentServiceError) {
        try await appendOnce(
            .opened(
                RecoveredPayment(record), timeNanoseconds: now.nanoseconds,
                idempotencyKey: PaymentJournaling.idempotencyKey, sealedCard: try sealedCard(of: record)),
            for: record.id)
    }

    /// The payment's card fields sealed under `cipher`, or nil (no cipher, or no card).
    private func sealedCard(of record: PaymentRecord) throws(PaymentServiceError) -> [UInt8]? {
        guard let cipher, let card = record.card else { return nil }
        do throws(JournalError) {
            return try card.sealed(for: record.id, with: cipher)
        } catch {
            throw .ledgerRefused(record.id, "card fields cannot be journaled: \(error)")
        }
    }

    private func append(_ record: PaymentJournalRecord) async throws(JournalError) {
        _ = try await log.append([JournalRecord(record)])
    }

    private func appendOnce(
        _ record: PaymentJournalRecord, for id: PaymentID
    ) async throws(PaymentServiceError) {
        do throws(JournalError) {
            try await append(record)
        } catch {
            throw .journalUnavailable(id, "journal append failed: \(error)")
        }
    }

    /// Appends what completes a durable step, retrying (see `PaymentJournaling.appendPersistently`).
    private func appendPersistently(
        _ record: PaymentJournalRecord, runtime: any Runtime
    ) async throws(JournalError) {
        try await PaymentJournaling.appendPersistently(
            [JournalRecord(record)], journal: log, runtime: runtime)
    }

    public func bookingIntent(
        _ booking: PaymentProcess.Booking, for id: PaymentID, runtime: any Runtime
    ) async throws(PaymentServiceError) {
        do throws(JournalError) {
            try await appendPersistently(.bookingIntent(id, booking), runtime: runtime)
        } catch {
            throw .ledgerRefused(
                id, "journal append failed \(PaymentJournaling.persistentAttemptsMax) times: \(error)")
        }
    }

    public func bookingAborted(for id: PaymentID, runtime: any Runtime) async {
        try? await appendPersistently(.bookingAborted(id), runtime: runtime)
    }

    public func retirement(of id: PaymentID) async {
        try? await append(.paymentRetired(id))
    }

    public func onboarding(_ merchant: MerchantID, settlementCurrency: Currency, now: SimTime) async throws {
        try await append(
            .merchantOnboarded(
                merchant, settlementCurrency: settlementCurrency, timeNanoseconds: now.nanoseconds))
    }

    public func keyIssued(_ hash: APIKeyHash, for merchant: MerchantID) async throws {
        try await append(.apiKeyIssued(merchant, keyHash: hash.bytes))
    }

    public func acknowledging(
        _ operation: APIOperation, idempotencyKey: String?, system: PaymentSystem,
        _ answer: () async -> APIResponse
    ) async -> APIResponse {
        let response = await PaymentJournaling.$idempotencyKey.withValue(idempotencyKey) { await answer() }
        // A retryable refusal (503, no payment named) is no answer the client may rely on.
        guard !response.replayed, let id = response.paymentID,
            let record = await system.orchestrator.payment(id)
        else {
            return response
        }
        if system.configuration.plantedBug == .acknowledgeWithoutJournal { return response }
        do throws(JournalError) {
            try await append(
                .acknowledged(
                    operation, httpStatus: response.status, answer: RecoveredPayment(record),
                    timeNanoseconds: system.runtime.now().nanoseconds, idempotencyKey: idempotencyKey))
            return response
        } catch {
            return .error(
                status: 503, type: "api_error", code: "journal_unavailable",
                message: "the answer could not be made durable: \(error)", payment: id)
        }
    }

    public func webhookSettlementRecorder(
        runtime: any Runtime
    ) -> (@Sendable ([(id: EventID, deadLettered: Bool)]) async -> Void)? {
        { [log, runtime] settlements in
            // Retried: an event left unsettled is only delivered again after a restart (at
            // least once; the endpoints de-duplicate), but a crash check counts it.
            let records = settlements.map {
                JournalRecord(PaymentJournalRecord.webhookSettled($0.id, deadLettered: $0.deadLettered))
            }
            try? await PaymentJournaling.appendPersistently(records, journal: log, runtime: runtime)
        }
    }
}
