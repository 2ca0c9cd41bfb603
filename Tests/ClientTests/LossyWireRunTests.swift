import Client
import Core
import Foundation
import Scenarios
import Server
import Services
import Synchronization
import Testing

/// A run over the wire whose answers are lost the ways a saturated network loses them: some
/// after the server did the work, some while the request is still running there (the client
/// gave up; its resend with the same idempotency key races the first), and some reads. The
/// client resends with the same key and reads again; every outside check must still hold:
/// a lost answer is the client's ignorance, not the server's fault.
@Suite(.serialized) struct LossyWireRunTests {
    @Test func lostAnswersAndResendsKeepEveryInvariant() async throws {
        let scenario = try WireRunTests.scenario(seconds: 4)
        try await WireRunTests.withServer { url in
            let receiver = try await WebhookReceiver.start()
            let honest = HTTPPaymentTarget(baseURL: url, connectionsMax: 32, receiver: receiver)
            let lossy = LossyTarget(honest)
            let report = await ScenarioRunner.runOverWire(
                scenario, target: lossy, targetName: url, keyPrefix: "lossy-journey", webhooks: receiver)
            try await honest.shutdown()
            await receiver.stop()
            let failing = report.invariants.filter { !$0.holds }.map { "\($0.name): \($0.examples)" }
            #expect(failing.isEmpty, "\(failing)")
            // The losses happened, and the client went on through them.
            let lost = lossy.lost
            #expect(lost.afterWork > 10)
            #expect(lost.inFlight > 10)
            #expect(lost.refundReads > 0)
            #expect((report.wire?.answersLost ?? 0) >= lost.afterWork + lost.inFlight)
            #expect(report.payments.succeeded > 0)
            #expect(report.payments.refundedFull + report.payments.refundedPartial > 0)
            #expect(
                report.invariants.contains { $0.name == "refunds_listed_within_captured" && $0.holds })
            #expect(
                report.invariants.contains { $0.name == "one_charge_per_idempotency_key" && $0.holds })
        }
    }
}

/// Loses answers on purpose, by a fixed pattern: of every seven writes (create, capture,
/// refund), one answer is lost after the server answered it and one while the request is still
/// in flight there (the request goes on; the client hears nothing); of every three refund
/// listings, one is lost.
final class LossyTarget: ForwardingTarget {
    struct Lost: Sendable {
        var afterWork = 0
        var inFlight = 0
        var refundReads = 0
    }

    let inner: HTTPPaymentTarget
    private let writes = Atomic<Int>(0)
    private let reads = Atomic<Int>(0)
    private let counts = Mutex(Lost())
    var lost: Lost { counts.withLock { $0 } }

    init(_ inner: HTTPPaymentTarget) { self.inner = inner }

    private func write(_ call: @escaping @Sendable () async -> APIResponse?) async -> APIResponse? {
        switch writes.add(1, ordering: .relaxed).newValue % 7 {
        case 3:
            _ = await call()
            counts.withLock { $0.afterWork += 1 }
            return nil
        case 5:
            // The request reaches the server and runs on; the client stops waiting at once.
            let sent = Task { await call() }
            try? await Task.sleep(for: .milliseconds(1))
            _ = sent
            counts.withLock { $0.inFlight += 1 }
            return nil
        default:
            return await call()
        }
    }

    func createPayment(_ order: PaymentOrder, apiKey: String, idempotencyKey: String) async -> APIResponse? {
        await write { [inner] in
            await inner.createPayment(order, apiKey: apiKey, idempotencyKey: idempotencyKey)
        }
    }
    func capture(
        _ id: PaymentID, amountMinorUnits: Int64?, merchant: MerchantID, apiKey: String,
        idempotencyKey: String
    ) async -> APIResponse? {
        await write { [inner] in
            await inner.capture(
                id, amountMinorUnits: amountMinorUnits, merchant: merchant, apiKey: apiKey,
                idempotencyKey: idempotencyKey)
        }
    }
    func cancel(
        _ id: PaymentID, merchant: MerchantID, apiKey: String, idempotencyKey: String
    ) async -> APIResponse? {
        await write { [inner] in
            await inner.cancel(id, merchant: merchant, apiKey: apiKey, idempotencyKey: idempotencyKey)
        }
    }
    func refund(
        _ id: PaymentID, amountMinorUnits: Int64, merchant: MerchantID, apiKey: String, idempotencyKey: String
    ) async -> APIResponse? {
        await write { [inner] in
            await inner.refund(
                id, amountMinorUnits: amountMinorUnits, merchant: merchant, apiKey: apiKey,
                idempotencyKey: idempotencyKey)
        }
    }
    func refundedMinorUnits(_ id: PaymentID, merchant: MerchantID, apiKey: String) async -> Int64? {
        if reads.add(1, ordering: .relaxed).newValue % 3 == 1 {
            counts.withLock { $0.refundReads += 1 }
            return nil
        }
        return await inner.refundedMinorUnits(id, merchant: merchant, apiKey: apiKey)
    }
}
