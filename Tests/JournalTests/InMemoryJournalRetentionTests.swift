import Testing

@testable import Journal

/// Retention of the memory journal: a snapshot drops the records it covers, so the journal
/// holds the snapshot plus the tail; positions go on counting, and reading a dropped position
/// is a typed error, never silently fewer records.
@Suite struct InMemoryJournalRetentionTests {
    static func journal(records: Int, drops: Bool = true) async throws -> InMemoryJournal {
        let journal = InMemoryJournal(configuration: .init(dropsSnapshottedRecords: drops))
        _ = try await journal.append((1...records).map { Fixtures.numbered($0) })
        return journal
    }

    @Test func aSnapshotDropsTheRecordsItCoversAndPositionsGoOn() async throws {
        let journal = try await Self.journal(records: 10)
        try await journal.snapshot([9], upTo: JournalPosition(6))
        #expect(journal.recordsHeld == 4)
        #expect(journal.firstRetainedPosition() == JournalPosition(7))
        #expect(await journal.lastPosition() == JournalPosition(10))
        let tail = try await journal.read(from: JournalPosition(7), limit: 100)
        #expect(tail.map(\.position) == (7...10).map { JournalPosition(UInt64($0)) })
        #expect(tail.map(\.record) == (7...10).map { Fixtures.numbered($0) })
        #expect(try await journal.append([Fixtures.numbered(11)]) == JournalPosition(11))
        #expect(
            try await journal.read(from: JournalPosition(11), limit: 1).map(\.record) == [
                Fixtures.numbered(11)
            ])
        // Resuming from the snapshot reads exactly the tail.
        let snapshot = try #require(try await journal.latestSnapshot())
        var positions: [JournalPosition] = []
        for try await entry in journal.entries(from: snapshot.position.next, batchSize: 2) {
            positions.append(entry.position)
        }
        #expect(positions == (7...11).map { JournalPosition(UInt64($0)) })
    }

    @Test(arguments: [0, 1, 6] as [UInt64])
    func readingADroppedPositionIsATypedError(position: UInt64) async throws {
        let journal = try await Self.journal(records: 10)
        try await journal.snapshot([], upTo: JournalPosition(6))
        await #expect(
            throws: JournalError.compacted(
                requested: JournalPosition(position), firstRetained: JournalPosition(7))
        ) {
            _ = try await journal.read(from: JournalPosition(position), limit: 10)
        }
        let error = JournalError.compacted(
            requested: JournalPosition(position), firstRetained: JournalPosition(7))
        #expect(error.description.contains("snapshot"))
    }

    @Test func anOlderSnapshotDoesNotReplaceANewerOne() async throws {
        let journal = try await Self.journal(records: 10)
        try await journal.snapshot([2], upTo: JournalPosition(8))
        try await journal.snapshot([1], upTo: JournalPosition(4))
        #expect(
            try await journal.latestSnapshot() == JournalSnapshot(position: JournalPosition(8), data: [2]))
        #expect(journal.recordsHeld == 2)
    }

    @Test func theRecordLimitCountsRecordsHeldNotEverAppended() async throws {
        let journal = InMemoryJournal(configuration: .init(recordsMax: 5, dropsSnapshottedRecords: true))
        _ = try await journal.append((1...5).map { Fixtures.numbered($0) })
        await #expect(throws: JournalError.full(recordsMax: 5)) {
            _ = try await journal.append([Fixtures.numbered(6)])
        }
        try await journal.snapshot([], upTo: JournalPosition(5))
        #expect(try await journal.append((6...10).map { Fixtures.numbered($0) }) == JournalPosition(10))
        #expect(journal.recordsHeld == 5)
    }

    @Test func withoutRetentionEveryRecordStays() async throws {
        let journal = try await Self.journal(records: 10, drops: false)
        try await journal.snapshot([], upTo: JournalPosition(6))
        #expect(journal.recordsHeld == 10)
        #expect(try await journal.read(from: .origin, limit: 100).count == 10)
    }
}
