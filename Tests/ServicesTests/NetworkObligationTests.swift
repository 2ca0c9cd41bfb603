import Core
import Journal
import Ledger
import PaystormRuntime
import Testing

@testable import Services

/// What the processor owes a network (a reversal, a capture, a refund) is sent until the network
/// confirms it: an outage delays it, never drops it, and a restart sends it again.
@Suite struct NetworkObligationTests {
    static let merchant = PaymentSystemTests.merchant

    static func makeSystem(
        _ runtime: DeterministicRuntime, journal: (any Journal)? = nil
    ) throws -> PaymentSystem {
        var configuration = try PaymentSystemTests.makeSystem(runtime).configuration
        configuration.journal = journal.map { DurablePaymentJournal($0) } ?? NullPaymentJournal()
        return try PaymentSystem(runtime: runtime, configuration: configuration)
    }

    /// `_ = try? await network.reverse(id)` dropped a reversal the network did not take: the
    /// issuer held the customer's money for good while the payment read canceled.
    @Test func aCancelDuringAnOutageReleasesTheHoldOnceTheNetworkIsBack() throws {
        let runtime = DeterministicRuntime(seed: 21)
        try runtime.run {
            let system = try Self.makeSystem(runtime)
            let key = try #require(try await system.onboard(Self.merchant, settlementCurrency: .usd))
            let created = await system.createPayment(
                try PaymentSystemTests.request(10_000, capture: .manual), apiKey: key.secret)
            let id = try #require(created.paymentID)
            let visa = try #require(system.networks[.visa])
            visa.setOutage(true)
            let canceled = await system.cancel(id, merchant: Self.merchant, apiKey: key.secret)
            #expect(canceled.isSuccess, "\(canceled.body)")
            try await runtime.sleep(for: .seconds(30))
            #expect(visa.status(of: id)?.authorized.minorUnits == 10_000, "held while down")
            #expect(system.orchestrator.owesNetwork(id))
            visa.setOutage(false)
            try await runtime.sleep(for: .seconds(10))
            #expect(visa.status(of: id)?.authorized.minorUnits == 0)
            #expect(!system.orchestrator.owesNetwork(id))
            #expect(system.counters.networkObligationRetries > 0)
            #expect(system.counters.networkObligationsRefused == 0)
        }
    }

    /// A capture and a refund booked while the network was down were never sent to it, and the
    /// settlement-file check counted them as explained. They reach the network after the outage,
    /// in order, on the settlement day it files them under, and nothing is left to explain.
    @Test func aCaptureAndARefundDuringAnOutageReachTheNetworkAfterIt() throws {
        let runtime = DeterministicRuntime(seed: 22)
        try runtime.run {
            let system = try Self.makeSystem(runtime)
            let key = try #require(try await system.onboard(Self.merchant, settlementCurrency: .usd))
            let created = await system.createPayment(
                try PaymentSystemTests.request(10_000, capture: .manual), apiKey: key.secret)
            let id = try #require(created.paymentID)
            let visa = try #require(system.networks[.visa])
            visa.setOutage(true)
            #expect(await system.capture(id, merchant: Self.merchant, apiKey: key.secret).isSuccess)
            #expect(
                await system.refund(id, amountMinorUnits: 2_500, merchant: Self.merchant, apiKey: key.secret)
                    .isSuccess)
            // Past midnight: the network files them on a later day than the booking's.
            try await runtime.sleep(for: .seconds(86_400))
            #expect(visa.status(of: id)?.captured.minorUnits == 0)
            #expect(!(await system.reconcileSettlement().isReconciled))
            visa.setOutage(false)
            try await runtime.sleep(for: .seconds(10))
            let status = try #require(visa.status(of: id))
            #expect(status.captured.minorUnits == 10_000 && status.refunded.minorUnits == 2_500)
            #expect(system.orchestrator.networkObligationsOwed == 0)
            let reconciliation = await system.reconcileSettlement()
            #expect(
                reconciliation.isReconciled,
                "\(reconciliation.mismatches) \(reconciliation.accountMismatches)")
            #expect(system.orchestrator.networkUnreported.withLock { $0.isEmpty })
            #expect(await system.unexplainedSettlementMismatches(reconciliation).isEmpty)
        }
    }

    /// The process dies with a refund owed to a network that is down: the restarted system
    /// sends it again, under the same refund id (the network would answer a second send with
    /// the first refund), once the network is back.
    @Test func aRestartSendsWhatTheDeadProcessStillOwed() throws {
        let runtime = DeterministicRuntime(seed: 23)
        try runtime.run {
            let journal = InMemoryJournal()
            let live = try Self.makeSystem(runtime, journal: journal)
            let key = try #require(try await live.onboard(Self.merchant, settlementCurrency: .usd))
            let created = await live.createPayment(
                try PaymentSystemTests.request(10_000, capture: .automatic), apiKey: key.secret)
            let id = try #require(created.paymentID)
            let visa = try #require(live.networks[.visa])
            visa.setOutage(true)
            #expect(
                await live.refund(id, amountMinorUnits: 4_000, merchant: Self.merchant, apiKey: key.secret)
                    .isSuccess)
            let (restarted, recovered) = try await PaymentSystem.recovering(
                runtime: runtime, configuration: live.configuration, outside: live)
            #expect(recovered.report.invariantsHold, "\(recovered.report)")
            #expect(restarted.orchestrator.owesNetwork(id))
            visa.setOutage(false)
            try await runtime.sleep(for: .seconds(10))
            #expect(!restarted.orchestrator.owesNetwork(id))
            // Both lives sent it; the network holds one refund.
            #expect(visa.status(of: id)?.refunded.minorUnits == 4_000)
        }
    }
}
