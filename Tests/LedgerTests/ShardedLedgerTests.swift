import Core
import PaystormRuntime
import Testing

@testable import Ledger

@Suite struct ShardedLedgerTests {
    @Test func aTransferMovesMoneyAndRecordsBalanceAfter() async throws {
        let ledger = try ShardedLedger(configuration: LedgerConfiguration(shardCount: 4))
        let outcome = try await ledger.submit(Fixture.fund(Fixture.merchantA, 5_000, id: Fixture.id(1)))
        #expect(outcome == .applied)
        let merchant = await ledger.balance(of: .merchantBalance(Fixture.merchantA, .usd))
        #expect(merchant.balance == 5_000)
        let receivable = await ledger.balance(of: .networkReceivable(.visa, .usd))
        #expect(receivable.balance == -5_000)
        let shard = ledger.shards[ledger.placement.shard(of: .merchantBalance(Fixture.merchantA, .usd))]
        let entry = try #require(
            shard.recentEntries().last { $0.account.merchant == Fixture.merchantA })
        #expect(entry.balanceAfter == 5_000)
        #expect(entry.kind == .posted)
    }

    /// Several accounts read in one call per shard add up as each read alone does, striped
    /// ones (the network receivable) summed over their stripes, in the order asked; read
    /// under the shards' locks without a hop (`balancesNow`), the same totals.
    @Test func balancesOfSeveralAccountsMatchEachAccountsOwn() async throws {
        let ledger = try ShardedLedger(configuration: LedgerConfiguration(shardCount: 8))
        for number in 1...40 {
            let merchant = MerchantID(UInt64(number % 7 + 1))
            #expect(
                try await ledger.submit(
                    Fixture.fund(merchant, Int64(number) * 100, id: Fixture.id(UInt32(number)))) == .applied)
        }
        var accounts: [AccountID] = [.networkReceivable(.visa, .usd), .merchantBalance(MerchantID(99), .eur)]
        for number in 1...7 { accounts.append(.merchantBalance(MerchantID(UInt64(number)), .usd)) }
        accounts.append(.networkReceivable(.visa, .usd))
        let together = await ledger.balances(of: accounts)
        var alone: [AccountSnapshot] = []
        for account in accounts { alone.append(await ledger.balance(of: account)) }
        #expect(together == alone)
        #expect(ledger.balancesNow(of: accounts) == alone)
        #expect(together.first?.balance == -(1...40).reduce(0) { $0 + Int64($1) * 100 })
        #expect(together.contains { $0.balance != 0 && $0.account.merchant == MerchantID(3) })
    }

    @Test func aDuplicateTransferIDIsAppliedOnce() async throws {
        let ledger = try ShardedLedger(configuration: LedgerConfiguration(shardCount: 8))
        let transfer = Fixture.fund(Fixture.merchantA, 1_000, id: Fixture.id(7))
        #expect(try await ledger.submit(transfer) == .applied)
        #expect(try await ledger.submit(transfer) == .alreadyApplied)
        // Twice in one call, too.
        let again = Fixture.fund(Fixture.merchantB, 300, id: Fixture.id(8))
        #expect(
            try await ledger.submit([again, again, transfer]) == [.applied, .alreadyApplied, .alreadyApplied])
        #expect(await ledger.balance(of: .merchantBalance(Fixture.merchantA, .usd)).balance == 1_000)
        #expect(await ledger.balance(of: .merchantBalance(Fixture.merchantB, .usd)).balance == 300)
        #expect(await ledger.reconcile().isBalanced)
    }

    @Test(arguments: [
        Transfer(id: TransferID(9), currency: .usd, legs: []),
        Transfer(
            id: TransferID(9), currency: .usd,
            legs: [.debit(.bank(.usd), 10), .credit(.feesRevenue(.usd), 9)]),
        Transfer(
            id: TransferID(9), currency: .usd,
            legs: [.debit(.bank(.usd), 10), .credit(.feesRevenue(.eur), 10)]),
        Transfer(id: TransferID(0), currency: .usd, debit: .bank(.usd), credit: .fx(.usd), amount: 1),
        Transfer(id: TransferID(9), currency: .usd, debit: .bank(.usd), credit: .fx(.usd), amount: -1),
    ])
    func malformedTransfersAreRefusedWithoutBookingAnything(transfer: Transfer) async throws {
        let ledger = try ShardedLedger(configuration: LedgerConfiguration(shardCount: 4))
        let outcome = try await ledger.submit(transfer)
        guard case .rejected(let error) = outcome else {
            Issue.record("expected a refusal, got \(outcome)")
            return
        }
        #expect(!error.description.isEmpty)
        #expect(await ledger.allBalances().isEmpty)
    }

    @Test func pendingHoldsCountAgainstTheBalance() async throws {
        // A balance of 5,000 must not accept six pending debits of 1,000.
        var configuration = LedgerConfiguration(shardCount: 8)
        configuration.defaultFlags[.merchantBalance] = [.debitsMustNotExceedCredits]
        let ledger = try ShardedLedger(configuration: configuration)
        #expect(
            try await ledger.submit(Fixture.fund(Fixture.merchantA, 5_000, id: Fixture.id(1))) == .applied)
        var holds: [Transfer] = []
        for sequence in 2...7 {
            holds.append(
                Transfer(
                    id: Fixture.id(UInt32(sequence)), currency: .usd,
                    debit: .merchantBalance(Fixture.merchantA, .usd), credit: .bank(.usd), amount: 1_000,
                    phase: .pending))
        }
        let outcomes = try await ledger.submit(holds)
        #expect(outcomes.prefix(5).allSatisfy { $0 == .applied })
        #expect(
            outcomes[5] == .rejected(.insufficientFunds(account: .merchantBalance(Fixture.merchantA, .usd))))
        let balance = await ledger.balance(of: .merchantBalance(Fixture.merchantA, .usd))
        #expect(balance.balance == 5_000)
        #expect(balance.debitsPending == 5_000)
        #expect(balance.available == 0)

        // Post one in part (the rest is released), void another: 1,000 + 400 become available.
        let post = Transfer.post(Fixture.id(20), of: holds[0], amount: 600)
        let void = Transfer.void(Fixture.id(21), of: holds[1])
        #expect(try await ledger.submit([post, void]) == [.applied, .applied])
        let voidAgain = Transfer.void(Fixture.id(22), of: holds[0])
        #expect(try await ledger.submit(voidAgain) == .rejected(.pendingNotFound(holds[0].id)))
        let after = await ledger.balance(of: .merchantBalance(Fixture.merchantA, .usd))
        #expect(after.balance == 4_400)
        #expect(after.debitsPending == 3_000)
        #expect(after.available == 1_400)
        let reconciliation = await ledger.reconcile()
        #expect(reconciliation.isBalanced)
        #expect(reconciliation.openPending >= 3)
    }

    @Test func aPostCannotMoveMoreThanWasHeld() async throws {
        let ledger = try ShardedLedger(configuration: LedgerConfiguration(shardCount: 2))
        let hold = Transfer(
            id: Fixture.id(1), currency: .eur, debit: .customerFunds(.eur),
            credit: .merchantPending(Fixture.merchantA, .eur), amount: 700, phase: .pending)
        #expect(try await ledger.submit(hold) == .applied)
        let outcome = try await ledger.submit(Transfer.post(Fixture.id(2), of: hold, amount: 701))
        // Both legs exceed their holds; whichever shard checks first names its leg.
        #expect(
            [.rejected(.postExceedsPending(leg: 0)), .rejected(.postExceedsPending(leg: 1))].contains(outcome)
        )
        #expect(try await ledger.submit(Transfer.post(Fixture.id(3), of: hold, amount: 700)) == .applied)
        #expect(await ledger.balance(of: .merchantPending(Fixture.merchantA, .eur)).balance == 700)
    }

    @Test func hotAccountsAreStripedOverShards() async throws {
        var configuration = LedgerConfiguration(shardCount: 8)
        configuration.stripesMax = 4
        let ledger = try ShardedLedger(configuration: configuration)
        let stripes = ledger.placement.stripes(of: .feesRevenue(.usd))
        #expect(stripes.count == 4)
        #expect(Set(stripes.map(\.shard)).count == 4)
        var transfers: [Transfer] = []
        for sequence in 1...200 {
            transfers.append(
                Transfer(
                    id: Fixture.id(UInt32(sequence)), currency: .usd, debit: .networkReceivable(.visa, .usd),
                    credit: .feesRevenue(.usd), amount: 10))
        }
        #expect(try await ledger.submit(transfers).allSatisfy { $0 == .applied })
        var used = 0
        for (stripe, shard) in stripes where ledger.shards[shard].snapshot(of: stripe).creditsPosted > 0 {
            used += 1
        }
        #expect(used == 4)
        #expect(await ledger.balance(of: .feesRevenue(.usd)).balance == 2_000)
        await #expect(throws: LedgerError.cannotLimitStripedAccount(.feesRevenue(.usd))) {
            try await ledger.setFlags([.debitsMustNotExceedCredits], for: .feesRevenue(.usd))
        }
    }

    @Test func idsOlderThanTheWindowAreRefusedNotReapplied() async throws {
        var configuration = LedgerConfiguration(shardCount: 1)
        configuration.deduplicationWindowPerShard = 16
        let ledger = try ShardedLedger(configuration: configuration)
        for sequence in 1...40 {
            _ = try await ledger.submit(Fixture.fund(Fixture.merchantA, 1, id: Fixture.id(UInt32(sequence))))
        }
        let old = Fixture.fund(Fixture.merchantA, 1, id: Fixture.id(3))
        #expect(try await ledger.submit(old) == .rejected(.tooOldToDeduplicate))
        #expect(await ledger.balance(of: .merchantBalance(Fixture.merchantA, .usd)).balance == 40)
    }
}
