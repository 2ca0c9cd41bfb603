import Core
import Journal
import PaystormRuntime
import Testing

@testable import Ledger

/// The synchronous ledger fold behind recovery and snapshots: it books a journal exactly as the
/// actor ledger's replay does, and a fold encoded at any transfer and decoded again goes on to
/// the same ledger as one never interrupted.
@Suite struct LedgerFoldTests {
    /// A journal of a workload with holds, redeliveries, several producers and a small
    /// exactly-once window (so that eviction and watermarks are in the snapshot).
    static func journaledWorkload(
        seed: UInt64
    ) throws -> (transfers: [Transfer], configuration: LedgerConfiguration) {
        var workload = LedgerWorkloadConfiguration()
        workload.seed = seed
        workload.transfers = 2_000
        workload.producers = 6
        workload.shardCount = 4
        workload.merchants = 60
        workload.batchSize = 16
        workload.redeliveryRate = 0.05
        let runtime = DeterministicRuntime(seed: seed)
        let records = try runtime.run { () async throws -> [JournalRecord] in
            let journal = InMemoryJournal()
            let result = try await LedgerWorkload.run(
                workload, runtime: runtime, journal: JournalLedgerAdapter(journal))
            #expect(result.checksHold, "seed \(seed)")
            return try await journal.read(from: .origin, limit: .max).map(\.record)
        }
        var configuration = LedgerConfiguration(shardCount: workload.shardCount)
        configuration.defaultFlags[.merchantBalance] = [.debitsMustNotExceedCredits]
        configuration.deduplicationWindowPerShard = 64
        configuration.entryHistoryPerShard = 32
        configuration.transferNetHistoryPerShard = 48
        let transfers = try records.map { try Transfer(journalRecord: $0.decode(LedgerTransferRecord.self)) }
        return (transfers, configuration)
    }

    static func fold(_ transfers: ArraySlice<Transfer>, into fold: inout LedgerFold) {
        for transfer in transfers { fold.add(transfer) }
    }

    @Test(arguments: [1, 2] as [UInt64])
    func theFoldBooksAJournalAsTheActorLedgersReplayDoes(seed: UInt64) async throws {
        let (transfers, configuration) = try Self.journaledWorkload(seed: seed)
        #expect(transfers.count > 1_000)
        let journal = InMemoryJournal()
        _ = try await journal.append(transfers.map { JournalRecord($0.journalRecord) })
        let replayed = try ShardedLedger(configuration: configuration)
        let replay = try await replayed.replay(from: journal)

        var fold = try LedgerFold(configuration: configuration)
        Self.fold(transfers[...], into: &fold)
        let report = fold.finish()
        #expect(report == replay, "seed \(seed)")
        #expect(fold.balancesDigest == (await replayed.balancesDigest()))
        let installed = try ShardedLedger(configuration: configuration)
        try await fold.install(into: installed)
        #expect(await installed.balancesDigest() == replayed.balancesDigest())
        #expect(await installed.traceDigest() == replayed.traceDigest())
        #expect(await installed.reconcile().description == replayed.reconcile().description)
        #expect(await installed.reconcile().isBalanced)
        // A ledger that already holds anything refuses an installation.
        await #expect(throws: LedgerError.self) { try await fold.install(into: installed) }
    }

    @Test(arguments: [1, 2] as [UInt64])
    func aFoldEncodedMidwayGoesOnToTheSameLedger(seed: UInt64) async throws {
        let (transfers, configuration) = try Self.journaledWorkload(seed: seed)
        var whole = try LedgerFold(configuration: configuration)
        Self.fold(transfers[...], into: &whole)
        let wholeReport = whole.finish()
        for cut in [1, transfers.count / 3, transfers.count / 2 + 7, transfers.count - 1] {
            var first = try LedgerFold(configuration: configuration)
            Self.fold(transfers[..<cut], into: &first)
            var writer = BinaryWriter()
            first.encode(into: &writer)
            var reader = BinaryReader(writer.bytes)
            var resumed = try LedgerFold(from: &reader, configuration: configuration)
            try reader.expectEnd()
            // Decoding loses nothing: the decoded fold encodes to the same bytes.
            var again = BinaryWriter()
            resumed.encode(into: &again)
            #expect(again.bytes == writer.bytes, "seed \(seed), cut \(cut)")
            Self.fold(transfers[cut...], into: &resumed)
            #expect(resumed.finish() == wholeReport, "seed \(seed), cut \(cut)")
            #expect(resumed.balancesDigest == whole.balancesDigest, "seed \(seed), cut \(cut)")
            let a = try ShardedLedger(configuration: configuration)
            let b = try ShardedLedger(configuration: configuration)
            try await resumed.install(into: a)
            try await whole.install(into: b)
            #expect(await a.traceDigest() == b.traceDigest(), "seed \(seed), cut \(cut)")
            #expect(await a.reconcile().description == b.reconcile().description)
            // Exactly-once survives: every journaled id is refused again, as by the original.
            let redelivered = Array(transfers.suffix(200))
            #expect(try await a.submit(redelivered) == b.submit(redelivered), "seed \(seed), cut \(cut)")
        }
    }

    @Test func aFoldOfAnotherShapeOrANewerVersionIsRefused() throws {
        let (transfers, configuration) = try Self.journaledWorkload(seed: 3)
        var fold = try LedgerFold(configuration: configuration)
        Self.fold(transfers[..<100], into: &fold)
        var writer = BinaryWriter()
        fold.encode(into: &writer)
        var other = configuration
        other.shardCount = 5
        var reader = BinaryReader(writer.bytes)
        #expect(throws: JournalError.self) { _ = try LedgerFold(from: &reader, configuration: other) }
        var newer = writer.bytes
        newer[0] = LedgerFold.snapshotFormatVersion + 1
        var newerReader = BinaryReader(newer)
        #expect(
            throws: JournalError.unsupportedVersion(
                recordType: 0, version: LedgerFold.snapshotFormatVersion + 1,
                supported: LedgerFold.snapshotFormatVersion)
        ) { _ = try LedgerFold(from: &newerReader, configuration: configuration) }
        // Every truncation is a typed error, never a trap.
        for length in stride(from: 0, to: writer.bytes.count, by: max(1, writer.bytes.count / 97)) {
            var short = BinaryReader(Array(writer.bytes[..<length]))
            #expect(throws: JournalError.self) {
                _ = try LedgerFold(from: &short, configuration: configuration)
                try short.expectEnd()
            }
        }
    }
}
