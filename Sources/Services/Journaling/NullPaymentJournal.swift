import Core
import Journal
import Ledger
import PaystormRuntime

/// The port of a run that keeps nothing (the fastest, purely in-memory run, and the default):
/// every call is accepted and discarded before any record is built, so that "no journal" costs
/// nothing on a payment's path.
public struct NullPaymentJournal: PaymentJournal {
    public init() {}

    public var isDurable: Bool { false }
    public var log: any Journal { NullJournal() }
    public var cipher: FieldCipher? { nil }

    public func transition(_ transition: PaymentProcess.Transition) async throws(PaymentServiceError) {}
    public func opening(_ record: PaymentRecord, now: SimTime) async throws(PaymentServiceError) {}
    public func bookingIntent(
        _ booking: PaymentProcess.Booking, for id: PaymentID, runtime: any Runtime
    ) async throws(PaymentServiceError) {}
    public func bookingAborted(for id: PaymentID, runtime: any Runtime) async {}
    public func retirement(of id: PaymentID) async {}
    public func onboarding(_ merchant: MerchantID, settlementCurrency: Currency, now: SimTime) async throws {}
    public func keyIssued(_ hash: APIKeyHash, for merchant: MerchantID) async throws {}

    public func acknowledging(
        _ operation: APIOperation, idempotencyKey: String?, system: PaymentSystem,
        _ answer: () async -> APIResponse
    ) async -> APIResponse {
        await answer()
    }

    public func webhookSettlementRecorder(
        runtime: any Runtime
    ) -> (@Sendable ([(id: EventID, deadLettered: Bool)]) async -> Void)? {
        nil
    }
}
