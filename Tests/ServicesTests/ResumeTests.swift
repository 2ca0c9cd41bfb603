import Core
import Journal
import Ledger
import PaystormRuntime
import Testing

@testable import Services

/// A payment system rebuilt from its journal goes on serving: the same payments, balances,
/// merchants, keys and idempotency answers, and a retry of a request the crash cut off gets one
/// payment, never two.
@Suite struct ResumeTests {
    typealias Fixture = PaymentRecoveryTests

    static func resume(_ runtime: DeterministicRuntime, journal: any Journal) async throws -> PaymentSystem {
        let configuration = try Fixture.makeSystem(runtime, journal: journal).configuration
        let (system, recovered) = try await PaymentSystem.recovering(
            runtime: runtime, configuration: configuration)
        #expect(recovered.report.invariantsHold, "\(recovered.report)")
        return system
    }

    /// Each merchant's ledger balance is what its payments (none is retired here) moved, less
    /// what it was paid out: captures less fees, refunds, returns and lost disputes.
    static func settlementHolds(_ system: PaymentSystem) async -> Bool {
        var expected: [MerchantID: Int64] = [:]
        for record in await system.orchestrator.allPayments() {
            var net = record.capturedSettled - record.feeSettled - record.refundedSettled
            if case .returned = record.payment.state { net -= record.capturedSettled }
            if record.payment.dispute?.status != .won {
                net -= record.disputedSettled + record.disputeFeeSettled
            }
            expected[record.merchant, default: 0] += net
        }
        for account in await system.merchants.allAccounts() {
            let balance = await system.ledger.balance(
                of: .merchantBalance(account.id, account.settlementCurrency))
            if balance.balance != (expected[account.id] ?? 0) - account.paidOut { return false }
        }
        return true
    }

    @Test(arguments: [3, 4] as [UInt64])
    func aResumedSystemHasTheSameStateReplaysAnswersAndGoesOn(seed: UInt64) throws {
        let runtime = DeterministicRuntime(seed: seed)
        try runtime.run {
            let journal = InMemoryJournal()
            let live = try Fixture.makeSystem(runtime, journal: journal)
            try await Fixture.drive(live)
            let merchant = Fixture.merchants[0]
            let apiKey = try #require(try await live.issueAPIKey(for: merchant)).secret
            var request = try Fixture.request(merchant, 4_321, .usd, manual: true)
            var first = await live.createPayment(request, apiKey: apiKey, idempotencyKey: "before-crash")
            var key = "before-crash"
            for attempt in 1..<20 where !first.isSuccess {
                // Declined: another payment, until one is authorized.
                key = "before-crash-\(attempt)"
                request = try Fixture.request(merchant, 4_321 + Int64(attempt), .usd, manual: true)
                first = await live.createPayment(request, apiKey: apiKey, idempotencyKey: key)
            }
            #expect(first.isSuccess)
            let livePayments = Dictionary(
                uniqueKeysWithValues: await live.orchestrator.allPayments().map {
                    ($0.id, RecoveredPayment($0))
                })

            let resumed = try await Self.resume(runtime, journal: journal)
            let resumedPayments = Dictionary(
                uniqueKeysWithValues: await resumed.orchestrator.allPayments().map {
                    ($0.id, RecoveredPayment($0))
                })
            #expect(resumedPayments == livePayments, "seed \(seed)")
            #expect(await resumed.ledger.balancesDigest() == live.ledger.balancesDigest())
            #expect(await Self.settlementHolds(resumed))

            // The key issued before the crash still works; the answered key replays its answer.
            let retry = await resumed.createPayment(request, apiKey: apiKey, idempotencyKey: key)
            #expect(retry.replayed, "seed \(seed): \(retry.body)")
            #expect(retry.status == first.status && retry.body == first.body)
            #expect(await resumed.orchestrator.allPayments().count == livePayments.count)

            // It goes on: a capture of a payment authorized before the crash, a new payment with
            // an id after every journaled one, a refund across the restart.
            let id = try #require(first.paymentID)
            let captured = await resumed.capture(
                id, merchant: merchant, apiKey: apiKey, idempotencyKey: "cap-after")
            #expect(captured.isSuccess, "\(captured.body)")
            let refunded = await resumed.refund(
                id, amountMinorUnits: 1_000, merchant: merchant, apiKey: apiKey)
            #expect(refunded.isSuccess, "\(refunded.body)")
            let next = await resumed.createPayment(
                try Fixture.request(merchant, 5_555, .eur, manual: false), apiKey: apiKey,
                idempotencyKey: "after")
            let nextID = try #require(next.paymentID)
            #expect(livePayments.keys.allSatisfy { $0 < nextID })
            _ = await resumed.runDailySettlement()
            #expect(await resumed.ledger.reconcile().isBalanced)
            #expect(await Self.settlementHolds(resumed))
            #expect(resumed.counters.ledgerRefusals == 0, "\(resumed.counters.violationExamples)")

            // And the journal, now holding both lives, recovers to the resumed system's state.
            let again = try await PaymentSystemRecovery.recover(from: journal)
            #expect(again.report.invariantsHold, "\(again.report)")
            let final = Dictionary(
                uniqueKeysWithValues: await resumed.orchestrator.allPayments().map {
                    ($0.id, RecoveredPayment($0))
                })
            #expect(again.payments.mapValues(RecoveredPayment.init) == final)
            #expect(await again.ledger.balancesDigest() == resumed.ledger.balancesDigest())
        }
    }

    /// A crash at every record boundary of one automatic-capture payment: the client, which got
    /// no answer, retries with its key on the resumed system and gets exactly one payment,
    /// captured at most once, and nothing is left mid-flight.
    @Test func aRetryAfterACrashAtAnyPointChargesOnce() throws {
        let runtime = DeterministicRuntime(seed: 9)
        try runtime.run {
            let journal = InMemoryJournal()
            let live = try Fixture.makeSystem(runtime, journal: journal)
            let merchant = Fixture.merchants[0]
            let apiKey = try #require(try await live.onboard(merchant, settlementCurrency: .usd)).secret
            // EUR into a USD merchant: the capture books a conversion too.
            let request = try Fixture.request(merchant, 2_500, .eur, manual: false)
            var answer = await live.createPayment(request, apiKey: apiKey, idempotencyKey: "k")
            var attempt = 0
            while !answer.isSuccess && attempt < 20 {
                // Declined or timed out: try another payment until one is captured.
                attempt += 1
                answer = await live.createPayment(
                    try Fixture.request(merchant, 2_500 + Int64(attempt), .eur, manual: false),
                    apiKey: apiKey,
                    idempotencyKey: "k\(attempt)")
            }
            #expect(answer.isSuccess)
            let key = attempt == 0 ? "k" : "k\(attempt)"
            let retried = try Fixture.request(merchant, 2_500 + Int64(attempt), .eur, manual: false)
            let entries = try await journal.read(from: .origin, limit: .max)
            var resumedMidFlight = 0
            for cut in 0...entries.count {
                let prefix = InMemoryJournal()
                if cut > 0 { _ = try await prefix.append(entries[..<cut].map(\.record)) }
                let system = try await Self.resume(runtime, journal: prefix)
                var secret = apiKey
                if try await system.onboard(merchant, settlementCurrency: .usd).map({ secret = $0.secret })
                    == nil
                {
                    secret = try #require(try await system.issueAPIKey(for: merchant)).secret
                }
                let before = await system.orchestrator.allPayments().count
                let retry = await system.createPayment(retried, apiKey: secret, idempotencyKey: key)
                let payments = await system.orchestrator.allPayments()
                // A payment whose first transition the crash rolled back was never charged: crash
                // repair asked the network and failed or released it, and the retry created
                // another. One payment holds money.
                let ours = payments.filter {
                    guard $0.payment.amount.minorUnits == retried.amount.minorUnits else { return false }
                    if case .failed = $0.payment.state { return false }
                    return $0.payment.state != .voided
                }
                #expect(
                    ours.count == 1,
                    "cut \(cut): \(ours.map { "\($0.id) \($0.payment)" }) retry \(retry.body)")
                #expect(retry.paymentID == ours.first?.id, "cut \(cut): \(retry.body)")
                if retry.replayed { #expect(retry.body == answer.body, "cut \(cut)") }
                if payments.count == before { resumedMidFlight += retry.replayed ? 0 : 1 }
                #expect(
                    payments.allSatisfy {
                        ![.created, .requiresAction, .authorizationUnknown].contains($0.payment.state)
                    }, "cut \(cut)")
                #expect(await system.ledger.reconcile().isBalanced, "cut \(cut)")
                #expect(await Self.settlementHolds(system), "cut \(cut)")
                #expect(
                    system.counters.ledgerRefusals == 0, "cut \(cut): \(system.counters.violationExamples)")
                let recovered = try await PaymentSystemRecovery.recover(from: prefix)
                #expect(recovered.report.invariantsHold, "cut \(cut):\n\(recovered.report)")
            }
            // Some cuts fell inside the request: the retry resumed the payment it had begun.
            #expect(resumedMidFlight > 0)
        }
    }
}

/// Webhook events a crash left undelivered are owed: recovery finds them (emitted by a
/// journaled transition, never settled) and the resumed system delivers them, under the same
/// ids, to the same endpoints, which de-duplicate.
@Suite struct PendingWebhookTests {
    @Test(arguments: [11, 12] as [UInt64])
    func eventsInFlightAtTheCrashAreDeliveredByTheResumedSystem(seed: UInt64) throws {
        let runtime = DeterministicRuntime(seed: seed)
        try runtime.run {
            let journal = InMemoryJournal()
            var configuration = try PaymentRecoveryTests.makeSystem(runtime, journal: journal).configuration
            configuration.webhooks.enabled = true
            configuration.webhooks.failureProbability = 0
            let live = try PaymentSystem(runtime: runtime, configuration: configuration)
            let merchant = PaymentRecoveryTests.merchants[0]
            let apiKey = try #require(try await live.onboard(merchant, settlementCurrency: .usd)).secret
            for number in 0..<12 {
                _ = await live.createPayment(
                    try PaymentRecoveryTests.request(merchant, 1_000 + Int64(number), .usd, manual: false),
                    apiKey: apiKey, idempotencyKey: "w\(number)")
            }
            // The crash: the disk holds what was journaled by now; deliveries are in flight.
            let disk = InMemoryJournal()
            _ = try await disk.append(try await journal.read(from: .origin, limit: .max).map(\.record))
            configuration.journal = DurablePaymentJournal(disk)
            let (resumed, recovered) = try await PaymentSystem.recovering(
                runtime: runtime, configuration: configuration, outside: live)
            #expect(recovered.report.invariantsHold, "\(recovered.report)")
            let owed = recovered.pendingWebhooks
            #expect(!owed.isEmpty, "seed \(seed): some deliveries were in flight")
            #expect(resumed.events.snapshot.redelivered == Int64(owed.count))
            await resumed.webhooks?.waitUntilIdle()
            for event in owed {
                let endpoint = resumed.endpoints[Int(merchant.rawValue % UInt64(resumed.endpoints.count))]
                #expect(
                    endpoint.hasProcessed(event.eventID), "seed \(seed): \(event.eventID) \(event.type)"
                )
            }
            // The journal now shows every event settled.
            let after = try await PaymentSystemRecovery.recover(from: disk)
            #expect(after.report.webhooksPending == 0, "seed \(seed):\n\(after.report)")
            #expect(after.report.invariantsHold)
        }
    }

    /// Each life after a restart starts a fresh block of payment ids, journaled before it
    /// serves: a second restart whose previous life journaled no payment (its requests were all
    /// in flight, maybe seen by a network) must not hand out that life's ids again.
    @Test func eachResumedLifeStartsAPaymentIDBlockNoEarlierLifeUsed() throws {
        let runtime = DeterministicRuntime(seed: 12)
        try runtime.run {
            let journal = InMemoryJournal()
            let live = try PaymentRecoveryTests.makeSystem(runtime, journal: journal)
            try await PaymentRecoveryTests.drive(live)
            let second = try await ResumeTests.resume(runtime, journal: journal)
            let third = try await ResumeTests.resume(runtime, journal: journal)
            let secondNext = second.orchestrator.nextPaymentID.load(ordering: .relaxed)
            let thirdNext = third.orchestrator.nextPaymentID.load(ordering: .relaxed)
            #expect(secondNext % PaymentSystem.paymentIDBlock == 0)
            #expect(thirdNext >= secondNext + PaymentSystem.paymentIDBlock, "\(secondNext) then \(thirdNext)")
        }
    }
}
