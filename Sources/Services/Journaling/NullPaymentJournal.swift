import Core
import Journal
import Ledger
import PaystormRuntime

/// The port of a run that keeps nothing (the fastest, purely in-memory run): every call is
/// accepted and discarded before any record is built, so that "no journal" costs nothing on a
/// payment's path.
struct NullPaymentJournal: PaymentJournal {
    init() {}

    var isDurable: Bool { false }
    var log: any Journal { NullJournal() }

    func transition(_ transition: PaymentProcess.Transition) async throws(PaymentServiceError) {}
    func opening(_ record: PaymentRecord, now: SimTime) async throws(PaymentServiceError) {}
    func bookingIntent(_ transfers: [Transfer], for id: PaymentID) async throws(PaymentServiceError) {}
    func bookingAborted(for id: PaymentID) async {}
    func retirement(of id: PaymentID) async {}
    func onboarding(_ merchant: MerchantID, settlementCurrency: Currency, now: SimTime) async throws {}
    func keyIssued(_ hash: APIKeyHash, for merchant: MerchantID) async throws {}

    func acknowledging(
        _ operation: APIOperation, idempotencyKey: String?, orchestrator: PaymentOrchestrator,
        _ answer: () async -> APIResponse
    ) async -> APIResponse {
        await answer()
    }

    func webhookSettlementRecorder() -> (@Sendable ([(id: EventID, deadLettered: Bool)]) async -> Void)? {
        nil
    }
}
