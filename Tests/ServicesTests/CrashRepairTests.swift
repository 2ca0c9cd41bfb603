import Core
import Journal
import Ledger
import PaystormRuntime
import Testing

@testable import Services

/// Crash repair after a restart settles the payments the dead process left between create and
/// answer concurrently: one after another, each waiting out its inquiry delay, a few hundred
/// kept a restarted system from serving for many minutes.
@Suite struct CrashRepairTests {
    /// Within the gateway's burst of 200 requests a merchant.
    static let interrupted = 200

    /// The journal of a system that died with `interrupted` authorizations whose answers were
    /// lost (each in `authorizationUnknown`, waiting for its first inquiry).
    static func journalOfAnInterruptedPeak(_ runtime: DeterministicRuntime) async throws -> InMemoryJournal {
        let journal = InMemoryJournal()
        var configuration = try PaymentSystemTests.makeSystem(runtime, webhooks: false).configuration
        configuration.journal = DurablePaymentJournal(journal)
        for kind in PaymentNetwork.allCases { configuration.networks[kind]?.timeoutRate = 1 }
        let live = try PaymentSystem(runtime: runtime, configuration: configuration)
        let merchant = PaymentSystemTests.merchant
        let key = try #require(try await live.onboard(merchant, settlementCurrency: .usd)).secret
        for number in 1...interrupted {
            let request = PaymentRequest(
                merchant: merchant, amount: Money(minorUnits: 1_000, currency: .usd),
                method: try PaymentSystemTests.card(BalanceTransactionTests.pan(number)),
                captureMethod: .automatic,
                customerCountry: "US", deviceID: UInt64(number))
            _ = runtime.spawn {
                _ = await live.createPayment(request, apiKey: key, idempotencyKey: "create-\(number)")
            }
        }
        // Past the network's 10 s timeout, before the first inquiry (2 s later): the crash.
        try await runtime.sleep(for: .seconds(11))
        let copy = InMemoryJournal()
        var records: [JournalRecord] = []
        for try await entry in journal.entries(from: .origin) { records.append(entry.record) }
        _ = try await copy.append(records)
        return copy
    }

    static func repair(concurrencyMax: Int, seed: UInt64) throws -> CrashRepairFigures {
        let runtime = DeterministicRuntime(seed: seed)
        return try runtime.run {
            let journal = try await Self.journalOfAnInterruptedPeak(runtime)
            var configuration = try PaymentSystemTests.makeSystem(runtime, webhooks: false).configuration
            configuration.journal = DurablePaymentJournal(journal)
            configuration.crashRepairConcurrencyMax = concurrencyMax
            let (system, recovered) = try await PaymentSystem.recovering(
                runtime: runtime, configuration: configuration)
            #expect(recovered.report.invariantsHold, "\(recovered.report)")
            for payment in await system.orchestrator.allPayments() {
                switch payment.payment.state {
                case .created, .requiresAction, .authorizationUnknown:
                    Issue.record("\(payment.id) left \(payment.payment.state) after crash repair")
                default:
                    break
                }
            }
            return system.crashRepairFigures
        }
    }

    @Test func interruptedPaymentsAreSettledConcurrently() throws {
        let concurrent = try Self.repair(concurrencyMax: 256, seed: 61)
        #expect(concurrent.paymentsSettled == Self.interrupted)
        // One inquiry delay (2 s) and its answer, not 200 of them.
        #expect(concurrent.durationNanoseconds < 10 * 1_000_000_000, "\(concurrent)")
        let sequential = try Self.repair(concurrencyMax: 1, seed: 61)
        #expect(sequential.paymentsSettled == Self.interrupted)
        #expect(sequential.durationNanoseconds > Int64(Self.interrupted) * 2 * 1_000_000_000, "\(sequential)")
    }

    /// While serving: the restarted system answers a new payment before crash repair (one
    /// inquiry delay at least) is over, and repair still settles every interrupted payment.
    @Test func aSystemRepairingWhileServingAnswersAtOnce() throws {
        let runtime = DeterministicRuntime(seed: 62)
        try runtime.run {
            let journal = try await Self.journalOfAnInterruptedPeak(runtime)
            var configuration = try PaymentSystemTests.makeSystem(runtime, webhooks: false).configuration
            configuration.journal = DurablePaymentJournal(journal)
            let restart = runtime.now()
            let (system, _) = try await PaymentSystem.recovering(
                runtime: runtime, configuration: configuration, crashRepairWhileServing: true)
            let merchant = PaymentSystemTests.merchant
            let key = try #require(try await system.issueAPIKey(for: merchant)).secret
            let request = PaymentRequest(
                merchant: merchant, amount: Money(minorUnits: 2_000, currency: .usd),
                method: try PaymentSystemTests.card(BalanceTransactionTests.pan(9_999)),
                captureMethod: .automatic,
                customerCountry: "US", deviceID: 9_999)
            let answer = await system.createPayment(request, apiKey: key, idempotencyKey: "after-restart")
            #expect(answer.isSuccess, "\(answer.body)")
            let answeredAfterNanoseconds = runtime.now().nanoseconds - restart.nanoseconds
            #expect(!system.crashRepairFigures.isFinished)
            await system.awaitCrashRepair()
            let figures = system.crashRepairFigures
            #expect(figures.isFinished && figures.paymentsSettled == Self.interrupted)
            #expect(
                answeredAfterNanoseconds < figures.durationNanoseconds,
                "answered after \(answeredAfterNanoseconds) ns, \(figures)")
            for payment in await system.orchestrator.allPayments() {
                switch payment.payment.state {
                case .created, .requiresAction, .authorizationUnknown:
                    Issue.record("\(payment.id) left \(payment.payment.state) after crash repair")
                default:
                    break
                }
            }
        }
    }

    /// A failing sync that outlives the crash: the journal refuses the first settling steps
    /// crash repair appends, and repair tries each payment again until it is final (once, it
    /// left such a payment `created` for good, with nobody to come back for it).
    @Test func repairTriesAgainWhatTheJournalRefused() throws {
        let runtime = DeterministicRuntime(seed: 63)
        try runtime.run {
            let interrupted = try await Self.journalOfAnInterruptedPeak(runtime)
            let journal = JournalRefusalTests.RefusingJournal()
            var records: [JournalRecord] = []
            for try await entry in interrupted.entries(from: .origin) { records.append(entry.record) }
            _ = try await journal.base.append(records)
            let refusals = Self.interrupted / 2
            journal.refuse(refusals, where: JournalRefusalTests.isTransition)
            var configuration = try PaymentSystemTests.makeSystem(runtime, webhooks: false).configuration
            configuration.journal = DurablePaymentJournal(journal)
            let (system, _) = try await PaymentSystem.recovering(
                runtime: runtime, configuration: configuration)
            #expect(journal.refused == refusals)
            #expect(system.crashRepairFigures.paymentsSettled == Self.interrupted)
            for payment in await system.orchestrator.allPayments() {
                switch payment.payment.state {
                case .created, .requiresAction, .authorizationUnknown:
                    Issue.record("\(payment.id) left \(payment.payment.state) after crash repair")
                default:
                    break
                }
            }
        }
    }

    /// A payment journaled `created` (opened, waiting for its confirmation), then a crash, and
    /// the restarted system's journal refuses crash repair's first appends (a failing sync):
    /// crash repair tries again until the payment's transition is durable, so that no payment
    /// stays `created` after it (an older schedule of chaos-everything seed 958 left one so).
    @Test(arguments: [3, 4] as [UInt64])
    func anOpenedPaymentIsBroughtForwardThoughTheJournalRefusesCrashRepair(seed: UInt64) throws {
        let runtime = DeterministicRuntime(seed: seed)
        try runtime.run {
            let journal = JournalRefusalTests.RefusingJournal()
            let live = try PaymentRecoveryTests.makeSystem(runtime, journal: journal)
            let merchant = PaymentRecoveryTests.merchants[0]
            let key = try #require(try await live.onboard(merchant, settlementCurrency: .usd)).secret
            let request = try PaymentRecoveryTests.request(merchant, 5_000, .usd, manual: true)
            let opened = await live.openPayment(request, apiKey: key, idempotencyKey: "open", fingerprint: [])
            let id = try #require(opened.paymentID, "\(opened.body)")
            #expect(await live.orchestrator.payment(id)?.payment.state == .created)
            // The crash: a new system from the same journal, which refuses the next transitions.
            journal.refuse(3, where: JournalRefusalTests.isTransition)
            let (system, recovered) = try await PaymentSystem.recovering(
                runtime: runtime, configuration: live.configuration)
            #expect(recovered.payments[id]?.payment.state == .created)
            #expect(journal.refused == 3, "crash repair met the refusals")
            let state = try #require(await system.orchestrator.payment(id)).payment.state
            #expect(state != .created && state != .authorizationUnknown, "\(id) left \(state)")
            let again = try await PaymentSystemRecovery.recover(from: journal)
            #expect(
                again.payments[id]?.payment.state == state, "the journal shows where crash repair left it")
        }
    }
}
