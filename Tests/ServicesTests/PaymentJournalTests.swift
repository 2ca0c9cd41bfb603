import Core
import Journal
import PaystormRuntime
import PaystormTesting
import Testing

@testable import Services

/// The services' one durability boundary: a system with a journal writes each step to it before
/// acknowledging it; a system without one runs the same steps through the null port, which
/// keeps nothing and reads back nothing, and answers alike.
@Suite struct PaymentJournalTests {
    typealias Fixture = PaymentRecoveryTests

    struct Outcome {
        var statuses: [Int] = []
        var events: [PaymentEventType] = []
        /// Each record's `PaymentJournalRecord` case, or its type tag for another record.
        var recordKinds: [String] = []
        var isDurable = false
        /// Acknowledgements whose head (`PaymentJournalRecord.acknowledgement(in:)`) gives what
        /// the whole record does, and records of which it gave something wrong.
        var headsRead = 0
        var headsWrong = 0
    }

    /// Onboards a merchant, then takes a payment through capture and a partial refund, with
    /// idempotency keys, and an intent opened without confirmation.
    static func drive(journal: (any Journal)?) throws -> Outcome {
        let runtime = DeterministicRuntime(seed: 3)
        return try runtime.run {
            var configuration = PaymentSystemConfiguration.quiet(webhooks: false)
            configuration.journal = journal.map { DurablePaymentJournal($0) } ?? NullPaymentJournal()
            let system = try PaymentSystem(runtime: runtime, configuration: configuration)
            let merchant = Fixture.merchants[0]
            let key = try #require(try await system.onboard(merchant, settlementCurrency: .usd)).secret
            var outcome = Outcome(isDurable: system.paymentJournal.isDurable)
            let created = await system.createPayment(
                try Fixture.request(merchant, 2_500, .usd, manual: true), apiKey: key, idempotencyKey: "k1")
            let id = try #require(created.paymentID)
            let captured = await system.capture(id, merchant: merchant, apiKey: key, idempotencyKey: "k2")
            let refunded = await system.refund(
                id, amountMinorUnits: 1_000, merchant: merchant, apiKey: key, idempotencyKey: "k3")
            let opened = try await system.orchestrator.open(
                try Fixture.request(merchant, 700, .usd, manual: true))
            outcome.statuses = [created.status, captured.status, refunded.status]
            outcome.events = system.events.recentEvents(for: id) + system.events.recentEvents(for: opened)
            for try await entry in system.paymentJournal.log.entries() {
                let record = PaymentJournalRecord.of(entry.record)
                outcome.recordKinds.append(record?.kind ?? "\(entry.record.type)")
                let head = PaymentJournalRecord.acknowledgement(in: entry.record)
                if case .acknowledged(let operation, let status, let answer, _, _)? = record,
                    head?.operation == operation, head?.httpStatus == status, head?.payment == answer.id
                {
                    outcome.headsRead += 1
                } else if head != nil {
                    outcome.headsWrong += 1
                }
            }
            return outcome
        }
    }

    @Test func aDurableJournalHoldsEveryStepBeforeItIsAcknowledged() throws {
        let outcome = try Self.drive(journal: InMemoryJournal())
        #expect(outcome.isDurable)
        #expect(outcome.statuses == [200, 200, 200])
        let kinds = Set(outcome.recordKinds)
        for expected in [
            "merchantOnboarded", "apiKeyIssued", "opened", "transition", "acknowledged",
            "\(LedgerTransferRecord.recordType)",
        ] {
            #expect(kinds.contains(expected), "record \(expected) missing from \(kinds)")
        }
        #expect(outcome.headsRead == outcome.recordKinds.count { $0 == "acknowledged" })
        #expect(outcome.headsRead > 0 && outcome.headsWrong == 0)
    }

    /// The null port: the same answers and the same events (the creation event goes out at
    /// once, there being no record to wait for), and nothing to read back.
    @Test func withoutAJournalTheSameStepsAnswerAlikeAndNothingIsKept() throws {
        let durable = try Self.drive(journal: InMemoryJournal())
        let null = try Self.drive(journal: nil)
        #expect(!null.isDurable)
        #expect(null.recordKinds.isEmpty)
        #expect(null.statuses == durable.statuses)
        #expect(null.events == durable.events)
        #expect(null.events.first == .paymentIntentCreated)
        #expect(null.events.last == .paymentIntentCreated)
    }
}
