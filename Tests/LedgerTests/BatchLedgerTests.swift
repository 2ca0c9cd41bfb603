import Foundation
import Journal
import Synchronization
import Testing

@testable import Ledger
@testable import PaystormRuntime

/// The batch ledger behind `paystorm ledger`'s benchmark: its refusals, its histories, and a
/// recovery from the file journal that gives back the very books that were acknowledged.
@Suite struct BatchLedgerTests {
    static let seeds: [UInt64] =
        ProcessInfo.processInfo.environment["PAYSTORM_TEST_SEEDS"].flatMap(Int.init).map { count in
            (0..<UInt64(count)).map { 1_000 + $0 }
        } ?? [7, 19]

    static func ledger(
        accounts: Int = 8, capacity: Int = 1_000, journal: (any Journal)? = nil
    ) throws -> BatchLedger {
        var configuration = BatchLedgerConfiguration(accountCount: accounts, transferCapacity: capacity)
        configuration.batchMax = 4_096
        return try BatchLedger(configuration: configuration, journal: journal)
    }

    /// `count` random transfers from `seed` (ids from `firstID`), some of them repeating an
    /// earlier id so that order and exactly-once both matter.
    static func randomBatch(
        _ random: inout RandomStream, count: Int, accounts: Int, firstID: UInt64, repeats: Bool = true
    ) -> TransferBatch {
        var batch = TransferBatch(capacity: count)
        for offset in 0..<count {
            let debit = UInt32(random.index(accounts) + 1)
            var credit = UInt32(random.index(accounts - 1) + 1)
            if credit >= debit { credit += 1 }
            let id =
                repeats && random.chance(0.05) && offset > 0
                ? firstID + UInt64(random.index(offset)) : firstID + UInt64(offset)
            batch.append(
                id: id, debitAccount: debit, creditAccount: credit, amount: Int64(random.index(5_000) + 1),
                code: UInt16(random.index(4)))
        }
        return batch
    }

    static func temporaryDirectory(_ label: String = #function) -> String {
        let safe = label.filter { $0.isLetter || $0.isNumber }
        return FileManager.default.temporaryDirectory
            .appendingPathComponent("paystorm-batch-ledger-\(safe)-\(UUID().uuidString)").path
    }

    // MARK: Refusals

    @Test func duplicateIDsAreRefusedInOneBatchAndAcrossBatches() async throws {
        let ledger = try Self.ledger()
        var first = TransferBatch()
        first.append(id: 1, debitAccount: 1, creditAccount: 2, amount: 100)
        first.append(id: 2, debitAccount: 2, creditAccount: 3, amount: 50)
        first.append(id: 1, debitAccount: 3, creditAccount: 4, amount: 7)
        #expect(try await ledger.submit(first) == [BatchRefusal(index: 2, error: .idExists)])
        var second = TransferBatch()
        second.append(id: 2, debitAccount: 5, creditAccount: 6, amount: 9)
        second.append(id: 3, debitAccount: 5, creditAccount: 6, amount: 9)
        #expect(try await ledger.submit(second) == [BatchRefusal(index: 0, error: .idExists)])
        #expect(
            await ledger.balance(of: 1)
                == BatchAccountBalance(account: 1, debitsPosted: 100, creditsPosted: 0))
        #expect(
            await ledger.balance(of: 2)
                == BatchAccountBalance(account: 2, debitsPosted: 50, creditsPosted: 100))
        #expect(
            await ledger.balance(of: 4) == BatchAccountBalance(account: 4, debitsPosted: 0, creditsPosted: 0))
        #expect(
            await ledger.balance(of: 5) == BatchAccountBalance(account: 5, debitsPosted: 9, creditsPosted: 0))
        let audit = await ledger.audit()
        #expect(audit.transfers == 3)
        #expect(audit.amountPostedTotal == 159)
        #expect(audit.isBalanced)
    }

    /// A redelivery must learn that its transfer was booked even where booking it now would be
    /// refused for another reason.
    @Test func aRedeliveryAnswersIDExistsBeforeAnyBalanceCheck() async throws {
        let ledger = try Self.ledger()
        try await ledger.setFlags(.debitsMustNotExceedCredits, for: 1)
        var fund = TransferBatch()
        fund.append(id: 10, debitAccount: 2, creditAccount: 1, amount: 100)
        fund.append(id: 11, debitAccount: 1, creditAccount: 3, amount: 100)
        #expect(try await ledger.submit(fund).isEmpty)
        var again = TransferBatch()
        again.append(id: 11, debitAccount: 1, creditAccount: 3, amount: 100)
        again.append(id: 12, debitAccount: 1, creditAccount: 3, amount: 1)
        #expect(
            try await ledger.submit(again) == [
                BatchRefusal(index: 0, error: .idExists), BatchRefusal(index: 1, error: .insufficientFunds),
            ])
        #expect(await ledger.balance(of: 1)?.balance == 0)
    }

    @Test func malformedTransfersAreRefusedWithTheirReason() async throws {
        let ledger = try Self.ledger(accounts: 4, capacity: 3)
        var batch = TransferBatch()
        batch.append(id: 0, debitAccount: 1, creditAccount: 2, amount: 1)
        batch.append(id: .max, debitAccount: 1, creditAccount: 2, amount: 1)
        batch.append(id: 1, debitAccount: 1, creditAccount: 2, amount: 0)
        batch.append(id: 2, debitAccount: 1, creditAccount: 2, amount: -5)
        batch.append(id: 3, debitAccount: 0, creditAccount: 2, amount: 1)
        batch.append(id: 4, debitAccount: 1, creditAccount: 5, amount: 1)
        batch.append(id: 5, debitAccount: 3, creditAccount: 3, amount: 1)
        batch.append(id: 6, debitAccount: 1, creditAccount: 2, amount: 1)
        batch.append(id: 7, debitAccount: 1, creditAccount: 2, amount: 1)
        batch.append(id: 8, debitAccount: 1, creditAccount: 2, amount: 1)
        batch.append(id: 9, debitAccount: 1, creditAccount: 2, amount: 1)
        let refusals = try await ledger.submit(batch)
        #expect(refusals.map(\.index) == [0, 1, 2, 3, 4, 5, 6, 10])
        #expect(
            refusals.map(\.error) == [
                .idInvalid, .idInvalid, .amountNotPositive, .amountNotPositive, .debitAccountNotFound,
                .creditAccountNotFound, .accountsMustBeDifferent, .ledgerFull,
            ])
        #expect(await ledger.audit().transfers == 3)
    }

    @Test func overflowIsATypedRefusalAndBooksNothing() async throws {
        let ledger = try Self.ledger(accounts: 4)
        var batch = TransferBatch()
        batch.append(id: 1, debitAccount: 1, creditAccount: 2, amount: .max)
        batch.append(id: 2, debitAccount: 1, creditAccount: 3, amount: 1)
        batch.append(id: 3, debitAccount: 4, creditAccount: 2, amount: 1)
        #expect(
            try await ledger.submit(batch) == [
                BatchRefusal(index: 1, error: .debitsOverflow),
                BatchRefusal(index: 2, error: .creditsOverflow),
            ])
        #expect(await ledger.balance(of: 3)?.creditsPosted == 0)
        #expect(await ledger.balance(of: 4)?.debitsPosted == 0)
        #expect(await ledger.audit().isBalanced)
    }

    @Test func aBatchOverTheLimitIsRefusedWhole() async throws {
        var configuration = BatchLedgerConfiguration(accountCount: 4, transferCapacity: 10)
        configuration.batchMax = 2
        let ledger = try BatchLedger(configuration: configuration)
        var batch = TransferBatch()
        for id in 1...3 { batch.append(id: UInt64(id), debitAccount: 1, creditAccount: 2, amount: 1) }
        await #expect(throws: LedgerError.batchTooLarge(count: 3, max: 2)) { try await ledger.submit(batch) }
        #expect(await ledger.audit().transfers == 0)
    }

    // MARK: Histories

    /// Every account's history, at several limits, against a model kept beside the ledger.
    @Test(arguments: seeds) func historiesMatchAModelOfTheBookings(seed: UInt64) async throws {
        let accounts = 12
        let ledger = try Self.ledger(accounts: accounts, capacity: 5_000)
        var random = RandomStream(seed: seed)
        var model = [[BookedTransfer]](repeating: [], count: accounts + 1)
        var booked = Set<UInt64>()
        var firstID: UInt64 = 1
        for _ in 0..<6 {
            let batch = Self.randomBatch(&random, count: 500, accounts: accounts, firstID: firstID)
            firstID += 500
            let refused = Set(try await ledger.submit(batch).map { Int($0.index) })
            for index in 0..<batch.count where !refused.contains(index) {
                let transfer = batch[index]
                #expect(booked.insert(transfer.id).inserted, "seed \(seed): \(transfer.id) booked twice")
                model[Int(transfer.debitAccount)].append(transfer)
                model[Int(transfer.creditAccount)].append(transfer)
            }
        }
        for account in 1...accounts {
            let newestFirst = Array(model[account].reversed())
            for limit in [1, 37, newestFirst.count, newestFirst.count + 10] {
                let history = await ledger.history(of: UInt32(account), limit: limit)
                #expect(
                    history == Array(newestFirst.prefix(limit)),
                    "seed \(seed), account \(account), limit \(limit)")
            }
        }
        #expect(await ledger.history(of: 0, limit: 10).isEmpty)
        #expect(await ledger.history(of: UInt32(accounts + 1), limit: 10).isEmpty)
    }

    // MARK: Journal and recovery

    @Test func aBatchRecordRoundTripsAndAShortOneIsRefused() throws {
        var random = RandomStream(seed: 3)
        let batch = Self.randomBatch(&random, count: 300, accounts: 9, firstID: 40)
        let record = batch.journalRecord
        #expect(record.payload.count == 4 + 300 * 26)
        #expect(try TransferBatch(journalRecord: record) == batch)
        let short = JournalRecord(
            type: record.type, version: record.version, payload: Array(record.payload.dropLast(3)))
        #expect(throws: JournalError.self) { try TransferBatch(journalRecord: short) }
        let wrongType = JournalRecord(type: 99, payload: record.payload)
        #expect(throws: JournalError.self) { try TransferBatch(journalRecord: wrongType) }
    }

    /// Batches acknowledged through the file journal (fdatasync per batch), the journal closed
    /// and reopened, replayed into a fresh ledger: the same balances, histories and refusals.
    @Test(arguments: seeds) func aLedgerRecoveredFromTheFileJournalHoldsTheSameBooks(
        seed: UInt64
    ) async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let accounts = 20
        var configuration = BatchLedgerConfiguration(accountCount: accounts, transferCapacity: 10_000)
        configuration.batchMax = 4_096
        let journal = try FileJournal(directory: directory)
        let ledger = try BatchLedger(configuration: configuration, journal: journal)
        var random = RandomStream(seed: seed)
        var refusals = 0
        var firstID: UInt64 = 1
        for _ in 0..<8 {
            let batch = Self.randomBatch(&random, count: 700, accounts: accounts, firstID: firstID)
            firstID += 650
            refusals += try await ledger.submit(batch).count
        }
        let live = await ledger.audit()
        #expect(refusals > 0, "seed \(seed): the batches overlap, so some ids repeat")
        #expect(journal.statistics().syncCalls >= 8)
        await journal.close()

        let reopened = try FileJournal(directory: directory)
        let (recovered, report) = try await BatchLedger.recover(configuration: configuration, from: reopened)
        #expect(report.batches == 8)
        #expect(report.transfers == 8 * 700)
        #expect(report.refusals == refusals)
        let replayed = await recovered.audit()
        #expect(replayed == live, "seed \(seed)")
        for account in 1...UInt32(accounts) {
            #expect(await recovered.balance(of: account) == (await ledger.balance(of: account)))
            #expect(
                await recovered.history(of: account, limit: 100_000)
                    == (await ledger.history(of: account, limit: 100_000)))
        }
        // The recovered ledger goes on journaling after what it replayed.
        var next = TransferBatch()
        next.append(id: 1, debitAccount: 1, creditAccount: 2, amount: 5)
        next.append(id: firstID + 10_000, debitAccount: 1, creditAccount: 2, amount: 5)
        #expect(try await recovered.submit(next) == [BatchRefusal(index: 0, error: .idExists)])
        await reopened.close()
    }

    /// Submitters racing on one journaled ledger: the journal's order must be the order the
    /// batches were applied in, or the replay would book a repeated id from the other batch.
    @Test func concurrentSubmittersJournalInTheOrderTheyWereApplied() async throws {
        let memory = InMemoryJournal()
        let journal = DelayingJournal(memory)
        let accounts = 16
        var configuration = BatchLedgerConfiguration(accountCount: accounts, transferCapacity: 20_000)
        configuration.batchMax = 4_096
        let ledger = try BatchLedger(configuration: configuration, journal: journal)
        await withTaskGroup(of: Void.self) { group in
            for submitter in 0..<8 {
                group.addTask {
                    var random = RandomStream(seed: UInt64(submitter))
                    for round in 0..<5 {
                        // Every submitter draws ids from the same range: which one books an id
                        // depends on the order of arrival.
                        let batch = Self.randomBatch(
                            &random, count: 400, accounts: accounts, firstID: UInt64(round * 300 + 1),
                            repeats: false)
                        _ = try? await ledger.submit(batch)
                    }
                }
            }
        }
        let live = await ledger.audit()
        #expect(live.refusals > 0)
        let (recovered, report) = try await BatchLedger.recover(configuration: configuration, from: memory)
        #expect(report.batches == 40)
        #expect(await recovered.audit() == live)
    }

    @Test func aJournalFailureFailsTheBatchAndEveryLaterOne() async throws {
        let journal = InMemoryJournal()
        let ledger = try Self.ledger(journal: journal)
        var batch = TransferBatch()
        batch.append(id: 1, debitAccount: 1, creditAccount: 2, amount: 3)
        #expect(try await ledger.submit(batch).isEmpty)
        await journal.close()
        batch.removeAll()
        batch.append(id: 2, debitAccount: 1, creditAccount: 2, amount: 3)
        await #expect(throws: LedgerError.self) { try await ledger.submit(batch) }
        batch.removeAll()
        batch.append(id: 3, debitAccount: 1, creditAccount: 2, amount: 3)
        await #expect(throws: LedgerError.self) { try await ledger.submit(batch) }
    }

    // MARK: The benchmark run

    /// A small run of the benchmark on the deterministic runtime: every check holds, and one
    /// seed gives one digest, with or without a journal.
    @Test func theBenchmarkChecksItsBooksAndIsReproducible() async throws {
        var shape = LedgerBenchmarkConfiguration()
        shape.accounts = 50
        shape.transfers = 20_000
        shape.batchSize = 1_000
        shape.queries = 20
        shape.queryLimit = 10_000
        let configuration = shape
        func run(_ journal: (any Journal)?) throws -> LedgerBenchmarkResult {
            let runtime = DeterministicRuntime(seed: 11)
            return try runtime.run {
                try await LedgerBenchmark.run(configuration, runtime: runtime, journal: journal)
            }
        }
        let first = try run(nil)
        #expect(first.checksHold)
        #expect(first.transfersAccepted == 20_000)
        #expect(first.batches == 20)
        #expect(first.batchLatency.count == 20)
        #expect(first.queriesChecked == 20)
        #expect(first.queryTransfersReturned > 20 * 500)
        let journal = InMemoryJournal()
        let second = try run(journal)
        #expect(second.balancesDigest == first.balancesDigest)
        var ledgerConfiguration = BatchLedgerConfiguration(accountCount: 50, transferCapacity: 20_000)
        ledgerConfiguration.batchMax = 1_000
        let (recovered, _) = try await BatchLedger.recover(configuration: ledgerConfiguration, from: journal)
        #expect(await recovered.audit().balancesDigest == first.balancesDigest)
    }
}

/// A journal that lets a varying number of other jobs run before each append reaches the
/// journal underneath: appends issued in one order may land in another unless the caller
/// orders them.
final class DelayingJournal: Journal {
    let inner: InMemoryJournal
    private let appends = Atomic<UInt64>(0)

    init(_ inner: InMemoryJournal) { self.inner = inner }

    func append(_ records: [JournalRecord]) async throws(JournalError) -> JournalPosition {
        let number = appends.add(1, ordering: .relaxed).newValue
        for _ in 0..<(number &* 7 % 5) { await Task.yield() }
        return try await inner.append(records)
    }

    func read(from position: JournalPosition, limit: Int) async throws(JournalError) -> [JournalEntry] {
        try await inner.read(from: position, limit: limit)
    }

    func snapshot(_ data: [UInt8], upTo position: JournalPosition) async throws(JournalError) {
        try await inner.snapshot(data, upTo: position)
    }

    func latestSnapshot() async throws(JournalError) -> JournalSnapshot? { try await inner.latestSnapshot() }
    func lastPosition() async -> JournalPosition { await inner.lastPosition() }
    func close() async { await inner.close() }
}
