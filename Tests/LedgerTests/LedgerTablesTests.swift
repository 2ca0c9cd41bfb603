import Core
import Testing

@testable import Ledger

/// The hand-rolled hash tables of the hot path, against plain Swift collections.
@Suite struct LedgerTablesTests {
    @Test func accountSlotsFindEveryAccountAcrossGrowth() {
        var table = AccountSlotTable()
        var accounts: [AccountID] = []
        for owner in 1...3_000 {
            for currency in [Currency.usd, .jpy] {
                accounts.append(.merchantBalance(MerchantID(UInt64(owner)), currency))
            }
        }
        accounts.append(.feesRevenue(.usd))
        for (slot, account) in accounts.enumerated() { table.insert(account, slot: Int32(slot)) }
        #expect(table.count == accounts.count)
        for (slot, account) in accounts.enumerated() { #expect(table[account] == Int32(slot)) }
        #expect(table[.merchantBalance(MerchantID(3_001), .usd)] == nil)
        #expect(table[.feesRevenue(.eur)] == nil)
    }

    @Test func theWindowRemembersExactlyTheLastIDsOfInterleavedProducers() {
        var window = TransferIDWindow(capacity: 64)
        var applied: [UInt64] = []
        for sequence in 1...400 {
            for producer in [1, 2, 7] as [UInt64] {
                let id = producer << 32 | UInt64(sequence)
                #expect(!window.contains(id))
                window.insert(id)
                applied.append(id)
            }
        }
        let remembered = Set(applied.suffix(64))
        for id in applied {
            #expect(window.contains(id) == remembered.contains(id), "id \(id)")
            #expect(window.isTooOld(id) == !remembered.contains(id), "id \(id)")
        }
        #expect(!window.isTooOld(2 << 32 | 401))
    }

    @Test func roundIDsAreForgottenWhenARoundStarts() {
        var ids = RoundIDSet(capacity: 100)
        for id in 0..<100 as Range<UInt64> { ids.insert(id * 8) }
        #expect((0..<100 as Range<UInt64>).allSatisfy { ids.contains($0 * 8) })
        #expect(!ids.contains(1))
        ids.startRound()
        #expect(!ids.contains(0))
        #expect(!ids.contains(8))
        ids.insert(8)
        #expect(ids.contains(8))
    }
}
