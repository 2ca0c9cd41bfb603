import Core
import Testing

@testable import Ledger

@Suite struct LedgerPlacementTests {
    static func capture(_ sequence: UInt32, merchant: MerchantID = Fixture.merchantA) -> Transfer {
        Transfer(
            id: Fixture.id(sequence), currency: .usd,
            legs: [
                .debit(.customerFunds(.usd), 1_000), .credit(.merchantBalance(merchant, .usd), 970),
                .credit(.feesRevenue(.usd), 30),
            ])
    }

    @Test(arguments: [2, 8, 64])
    func aCaptureWithAFeeIsBookedWhollyOnTheMerchantsShard(shards: Int) async throws {
        let ledger = try ShardedLedger(configuration: LedgerConfiguration(shardCount: shards))
        let transfers = (1...50).map { Self.capture(UInt32($0)) }
        #expect(try await ledger.submit(transfers).allSatisfy { $0 == .applied })
        let home = ledger.placement.shard(of: .merchantBalance(Fixture.merchantA, .usd))
        for (index, shard) in ledger.shards.enumerated() {
            let snapshots = shard.snapshots()
            if index == home {
                let fees = snapshots.filter { $0.account.logical == .feesRevenue(.usd) }
                let funds = snapshots.filter { $0.account.logical == .customerFunds(.usd) }
                #expect(fees.map(\.creditsPosted) == [1_500])
                #expect(funds.map(\.debitsPosted) == [50_000])
            } else {
                #expect(snapshots.isEmpty, "shard \(index) booked a leg of a transfer homed on \(home)")
            }
        }
        #expect(await ledger.balance(of: .feesRevenue(.usd)).balance == 1_500)
        #expect(await ledger.reconcile().isBalanced)
    }

    @Test func aPostAndAVoidResolveToTheStripesOfTheirHolds() async throws {
        let ledger = try ShardedLedger(configuration: LedgerConfiguration(shardCount: 8))
        var holds: [Transfer] = []
        for sequence in 1...40 {
            var hold = Self.capture(UInt32(sequence), merchant: MerchantID(UInt64(sequence)))
            hold.phase = .pending
            holds.append(hold)
        }
        #expect(try await ledger.submit(holds).allSatisfy { $0 == .applied })
        let resolutions = holds.enumerated().map { index, hold in
            index % 2 == 0
                ? Transfer.post(Fixture.id(UInt32(100 + index)), of: hold)
                : Transfer.void(Fixture.id(UInt32(100 + index)), of: hold)
        }
        #expect(try await ledger.submit(resolutions).allSatisfy { $0 == .applied })
        #expect(await ledger.balance(of: .feesRevenue(.usd)).balance == 20 * 30)
        let reconciliation = await ledger.reconcile()
        #expect(reconciliation.isBalanced)
        #expect(reconciliation.openPending == 0)
    }

    @Test func aMerchantShardWithoutAStripeFallsBackToTheHashedStripe() async throws {
        // Two stripes over eight shards: most merchants' shards hold no fee stripe, so those
        // captures span shards and still book exactly once, balanced.
        var configuration = LedgerConfiguration(shardCount: 8)
        configuration.stripesMax = 2
        let ledger = try ShardedLedger(configuration: configuration)
        let transfers = (1...64).map { Self.capture(UInt32($0), merchant: MerchantID(UInt64($0))) }
        #expect(try await ledger.submit(transfers).allSatisfy { $0 == .applied })
        #expect(try await ledger.submit(transfers).allSatisfy { $0 == .alreadyApplied })
        #expect(await ledger.balance(of: .feesRevenue(.usd)).balance == 64 * 30)
        #expect(await ledger.balance(of: .customerFunds(.usd)).balance == -64 * 1_000)
        #expect(await ledger.reconcile().isBalanced)
    }

    @Test func placementIsAPureFunctionOfTheIDs() throws {
        let configuration = LedgerConfiguration(shardCount: 8)
        let first = LedgerPlacement(configuration: configuration)
        let second = LedgerPlacement(configuration: configuration)
        let legs = Self.capture(1).legs
        for key: UInt64 in [1, 2, 3, 1 << 40] {
            let anchor = first.anchor(of: legs, key: key)
            #expect(anchor == second.anchor(of: legs, key: key))
            for (index, leg) in legs.enumerated() {
                let placed = first.place(leg.account, key: key, legIndex: index, anchor: anchor)
                let again = second.place(leg.account, key: key, legIndex: index, anchor: anchor)
                #expect(placed == again)
                #expect(placed.1 == anchor)
                #expect(first.shard(of: placed.0) == placed.1)
            }
        }
    }
}
