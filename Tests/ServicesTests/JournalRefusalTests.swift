import Core
import Journal
import PaystormRuntime
import Synchronization
import Testing

@testable import Services

/// A journal whose sync fails (`journal_failing_sync`): a refused step is undone in memory and
/// answered with a retryable 503, the retry with the same idempotency key resumes the same
/// payment, and appends that only complete a durable step are retried instead.
@Suite struct JournalRefusalTests {
    typealias Fixture = PaymentRecoveryTests

    /// An in-memory journal that refuses the next `count` appends whose first record `matches`
    /// (nothing of a refused append is kept, as after a failed sync).
    final class RefusingJournal: Journal {
        let base = InMemoryJournal()
        private let armed = Mutex<(count: Int, matches: @Sendable (JournalRecord) -> Bool)>(
            (0, { _ in false }))
        private let refusedCount = Atomic<Int>(0)

        func refuse(_ count: Int, where matches: @escaping @Sendable (JournalRecord) -> Bool) {
            armed.withLock { $0 = (count, matches) }
        }

        var refused: Int { refusedCount.load(ordering: .relaxed) }

        func append(_ records: [JournalRecord]) async throws(JournalError) -> JournalPosition {
            let refuse = armed.withLock { armed in
                guard armed.count > 0, let first = records.first, armed.matches(first) else { return false }
                armed.count -= 1
                return true
            }
            if refuse {
                refusedCount.add(1, ordering: .relaxed)
                throw .io(operation: "fdatasync", path: "test", errno: 5)
            }
            return try await base.append(records)
        }

        func read(from position: JournalPosition, limit: Int) async throws(JournalError) -> [JournalEntry] {
            try await base.read(from: position, limit: limit)
        }
        func snapshot(_ data: [UInt8], upTo position: JournalPosition) async throws(JournalError) {
            try await base.snapshot(data, upTo: position)
        }
        func latestSnapshot() async throws(JournalError) -> JournalSnapshot? {
            try await base.latestSnapshot()
        }
        func lastPosition() async -> JournalPosition { await base.lastPosition() }
        func close() async {}
    }

    static func isTransition(_ record: JournalRecord) -> Bool {
        if case .transition? = PaymentJournalRecord.of(record) { return true }
        return false
    }

    static func isAcknowledgement(_ record: JournalRecord) -> Bool {
        if case .acknowledged? = PaymentJournalRecord.of(record) { return true }
        return false
    }

    /// The authorization's transition is refused: the client gets a retryable 503 and memory
    /// shows the payment as the journal does (not authorized); the retry with the same key
    /// resumes that payment (asking the network, never authorizing twice) and is answered once.
    @Test(arguments: [5, 6] as [UInt64])
    func aRefusedTransitionIsUndoneAndTheRetryResumesThePayment(seed: UInt64) throws {
        let runtime = DeterministicRuntime(seed: seed)
        try runtime.run {
            let journal = RefusingJournal()
            let system = try Fixture.makeSystem(runtime, journal: journal)
            let merchant = Fixture.merchants[0]
            let apiKey = try #require(try await system.onboard(merchant, settlementCurrency: .usd)).secret
            var request = try Fixture.request(merchant, 5_000, .usd, manual: true)
            var key = "k"
            // A payment the network approves (the fixture declines some amounts).
            for attempt in 0..<20 {
                key = "k-\(attempt)"
                request = try Fixture.request(merchant, 5_000 + Int64(attempt), .usd, manual: true)
                journal.refuse(1, where: Self.isTransition)
                let refused = await system.createPayment(request, apiKey: apiKey, idempotencyKey: key)
                #expect(
                    refused.status == 503 && refused.errorCode == "journal_unavailable", "\(refused.body)")
                #expect(refused.paymentID == nil, "a refusal names no payment: none is durable")
                let held = await system.orchestrator.allPayments().filter { $0.payment.state == .created }
                #expect(held.count == 1, "the refused transition was undone: \(held)")
                let retry = await system.createPayment(request, apiKey: apiKey, idempotencyKey: key)
                if retry.isSuccess {
                    #expect(retry.paymentID == held.first?.id, "the retry resumed the same payment")
                    break
                }
                #expect(retry.status == 402, "\(retry.body)")
            }
            #expect(journal.refused >= 1)
            let answered = await system.createPayment(request, apiKey: apiKey, idempotencyKey: key)
            #expect(answered.isSuccess && answered.replayed, "\(answered.body)")
            let id = try #require(answered.paymentID)
            let record = try #require(await system.orchestrator.payment(id))
            #expect(record.payment.state == .authorized)
            let status = try #require(system.networks[record.network]?.status(of: id))
            #expect(status.authorized.minorUnits == request.amount.minorUnits, "authorized once: \(status)")
            // The journal holds what the clients were told, and nothing more.
            let recovered = try await PaymentSystemRecovery.recover(from: journal)
            #expect(recovered.report.invariantsHold, "\(recovered.report)")
            #expect(recovered.payments[id]?.payment.state == .authorized)
            #expect(recovered.payments.values.allSatisfy { $0.payment.state != .created })
        }
    }

    /// An acknowledgement the journal refused is a 503, not the answer; the retry gets the
    /// stored answer. A refused ledger record (it follows a durable transition and its booking)
    /// is retried with backoff instead, and the request is answered once it is durable.
    @Test func aRefusedAcknowledgementIsNotTheAnswerAndARefusedLedgerRecordIsRetried() throws {
        let runtime = DeterministicRuntime(seed: 8)
        try runtime.run {
            let journal = RefusingJournal()
            let system = try Fixture.makeSystem(runtime, journal: journal)
            let merchant = Fixture.merchants[0]
            let apiKey = try #require(try await system.onboard(merchant, settlementCurrency: .usd)).secret
            var paid: APIResponse?
            for attempt in 0..<20 {
                let request = try Fixture.request(merchant, 7_000 + Int64(attempt), .usd, manual: false)
                journal.refuse(1, where: Self.isAcknowledgement)
                let refused = await system.createPayment(
                    request, apiKey: apiKey, idempotencyKey: "a-\(attempt)")
                #expect(
                    refused.status == 503 && refused.errorCode == "journal_unavailable", "\(refused.body)")
                let retry = await system.createPayment(
                    request, apiKey: apiKey, idempotencyKey: "a-\(attempt)")
                #expect(retry.replayed, "the stored answer: \(retry.body)")
                guard retry.isSuccess else { continue }  // Declined (stored too): another payment.
                paid = retry
                break
            }
            #expect(try #require(paid).isSuccess)

            let before = runtime.now()
            let refusedBefore = journal.refused
            journal.refuse(3) { $0.type == LedgerTransferRecord.recordType }
            let request = try Fixture.request(merchant, 9_000, .usd, manual: false)
            let answer = await system.createPayment(request, apiKey: apiKey, idempotencyKey: "intent")
            if answer.isSuccess {
                #expect(
                    journal.refused - refusedBefore == 3,
                    "the ledger's record was refused three times, then written")
                #expect(runtime.now() - before >= PaymentJournaling.persistentBackoff.delayFirst * 7)
            }
            let recovered = try await PaymentSystemRecovery.recover(from: journal)
            #expect(recovered.report.invariantsHold, "\(recovered.report)")
        }
    }
}
