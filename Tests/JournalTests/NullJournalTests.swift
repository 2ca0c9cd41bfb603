import Testing

@testable import Journal

/// The journal of a run that keeps nothing: every append is accepted and nothing is read back.
@Suite struct NullJournalTests {
    @Test func acceptsEveryAppendAndReadsBackNothing() async throws {
        let journal = NullJournal()
        #expect(try await journal.append(Fixtures.records) == .origin)
        #expect(try await journal.append([Fixtures.numbered(1)]) == .origin)
        #expect(try await journal.read(from: .origin, limit: 100).isEmpty)
        var read = 0
        for try await _ in journal.entries() { read += 1 }
        #expect(read == 0)
        #expect(await journal.lastPosition() == .origin)
        #expect(try await journal.latestSnapshot() == nil)
    }

    /// A snapshot can only cover records the journal holds: none, so only `.origin`.
    @Test func aSnapshotPastTheOriginIsRefused() async throws {
        let journal = NullJournal()
        try await journal.snapshot([1, 2, 3], upTo: .origin)
        #expect(try await journal.latestSnapshot() == nil)
        await #expect(throws: JournalError.invalidPosition(JournalPosition(1), last: .origin)) {
            try await journal.snapshot([1], upTo: JournalPosition(1))
        }
    }
}
