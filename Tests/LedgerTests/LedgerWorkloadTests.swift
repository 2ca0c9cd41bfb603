import Core
import PaystormRuntime
import Testing

@testable import Ledger

/// The ledger under many concurrent producers, on the deterministic runtime.
@Suite struct LedgerWorkloadTests {
    static func configuration(seed: UInt64) -> LedgerWorkloadConfiguration {
        var configuration = LedgerWorkloadConfiguration()
        configuration.seed = seed
        configuration.transfers = 6_000
        configuration.producers = 12
        configuration.shardCount = 8
        configuration.merchants = 300
        configuration.batchSize = 16
        configuration.redeliveryRate = 0.05
        return configuration
    }

    static func run(seed: UInt64) throws -> LedgerWorkloadResult {
        let runtime = DeterministicRuntime(seed: seed)
        let configuration = configuration(seed: seed)
        let result = try runtime.run { try await LedgerWorkload.run(configuration, runtime: runtime) }
        #expect(runtime.escapedJobCount == 0)
        return result
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func manyConcurrentTransfersOverManyShardsReconcile(seed: UInt64) throws {
        let result = try Self.run(seed: seed)
        #expect(result.transfers == 6_000)
        #expect(result.reconciliation.isBalanced, "\(result.reconciliation)")
        #expect(result.reconciliation.unbalancedTransferCount == 0)
        #expect(result.reconciliation.transfersChecked > 1_000)
        #expect(result.reconciliation.inFlight == 0)
        #expect(result.appliedTwice == 0)
        #expect(result.balanceMismatches == 0)
        // The run exercised what it claims to: redeliveries caught, holds posted and voided,
        // some debits refused by the no-overdraft limit.
        #expect(result.redeliveries > 100)
        #expect(result.redeliveriesAlreadyApplied > 100)
        #expect(result.posts > 0 && result.voids > 0)
        #expect((result.rejected["insufficient_funds"] ?? 0) > 0)
    }

    @Test func theSameSeedGivesTheSameTraceAndBalances() throws {
        let first = try Self.run(seed: 42)
        let second = try Self.run(seed: 42)
        #expect(first.traceDigest == second.traceDigest)
        #expect(first.balancesDigest == second.balancesDigest)
        #expect(first.applied == second.applied)
        #expect(first.rejected == second.rejected)
    }

    @Test func anotherSeedGivesAnotherTraceThatStillReconciles() throws {
        let first = try Self.run(seed: 42)
        let other = try Self.run(seed: 43)
        #expect(first.traceDigest != other.traceDigest)
        #expect(other.reconciliation.isBalanced)
        #expect(other.balanceMismatches == 0)
    }

    @Test func aDoubleBookingWouldBeCaughtByReconciliation() async throws {
        // The checks must be able to fail: book one leg of a transfer on a shard directly,
        // bypassing the coordinator, and reconciliation reports it.
        let ledger = try ShardedLedger(configuration: LedgerConfiguration(shardCount: 4))
        _ = try await ledger.submit(Fixture.fund(Fixture.merchantA, 900, id: Fixture.id(1)))
        #expect(await ledger.reconcile().isBalanced)
        var batch = ShardBatch()
        batch.headers.append(
            ShardBatch.Header(
                id: Fixture.id(2).rawValue, pendingID: 0, origin: 0, legStart: 0, legCount: 1,
                legCountTotal: 2,
                phase: .single, currencyIndex: UInt8(Currency.usd.index), code: 0))
        batch.legs.append(
            ShardBatch.Leg(
                account: .merchantBalance(Fixture.merchantA, .usd), amount: 900, legIndex: 1, side: .credit))
        let shard = ledger.shards[ledger.placement.shard(of: .merchantBalance(Fixture.merchantA, .usd))]
        _ = shard.apply(batch)
        let reconciliation = await ledger.reconcile()
        #expect(!reconciliation.isBalanced)
        #expect(reconciliation.currencies.first { $0.currency == .usd }?.imbalance == 900)
    }
}
