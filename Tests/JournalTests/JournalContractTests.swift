import Testing

@testable import Journal

/// The behavior every backend must share, run against each.
@Suite struct JournalContractTests {
    enum Backend: String, CaseIterable, Sendable {
        case memory
        case file
    }

    /// Opens a fresh journal of `backend`; the returned closure removes its files.
    static func open(_ backend: Backend, label: String = #function) throws -> (any Journal, () -> Void) {
        switch backend {
        case .memory:
            return (InMemoryJournal(), {})
        case .file:
            let directory = TemporaryDirectory(label)
            return (try JournalLocation.file(path: directory.path).open(), directory.remove)
        }
    }

    @Test(arguments: Backend.allCases) func everyRecordTypeRoundTrips(backend: Backend) async throws {
        let (journal, cleanup) = try Self.open(backend)
        defer { cleanup() }
        let records = Fixtures.records
        let last = try await journal.append(records)
        #expect(last == JournalPosition(UInt64(records.count)))
        let entries = try await journal.read(from: .origin, limit: 100)
        #expect(entries.map(\.record) == records)
        #expect(entries.map(\.position.sequence) == Array(1...UInt64(records.count)))
        let transfers = try entries.prefix(Fixtures.transfers.count).map {
            try $0.record.decode(LedgerTransferRecord.self)
        }
        #expect(transfers == Fixtures.transfers)
        let payments = try entries.dropFirst(Fixtures.transfers.count).map {
            try $0.record.decode(PaymentEventRecord.self)
        }
        #expect(payments == Fixtures.payments)
        await journal.close()
    }

    @Test(arguments: Backend.allCases) func positionsAreContiguousAcrossBatches(backend: Backend) async throws
    {
        let (journal, cleanup) = try Self.open(backend)
        defer { cleanup() }
        #expect(await journal.lastPosition() == .origin)
        #expect(try await journal.append([]) == .origin)
        #expect(try await journal.append([Fixtures.numbered(1)]) == JournalPosition(1))
        #expect(try await journal.append((2...4).map { Fixtures.numbered($0) }) == JournalPosition(4))
        #expect(try await journal.append([]) == JournalPosition(4))
        let middle = try await journal.read(from: JournalPosition(2), limit: 2)
        #expect(middle.map(\.position.sequence) == [2, 3])
        #expect(middle.map(\.record) == [Fixtures.numbered(2), Fixtures.numbered(3)])
        #expect(try await journal.read(from: JournalPosition(5), limit: 10).isEmpty)
        #expect(try await journal.read(from: .origin, limit: 0).isEmpty)
        #expect(await journal.lastPosition() == JournalPosition(4))
        await journal.close()
    }

    @Test(arguments: Backend.allCases) func snapshotsReplaceEachOtherAndAreBounded(
        backend: Backend
    ) async throws {
        let (journal, cleanup) = try Self.open(backend)
        defer { cleanup() }
        #expect(try await journal.latestSnapshot() == nil)
        _ = try await journal.append((1...5).map { Fixtures.numbered($0) })
        try await journal.snapshot([1, 2, 3], upTo: JournalPosition(3))
        try await journal.snapshot([4, 5], upTo: JournalPosition(5))
        #expect(
            try await journal.latestSnapshot() == JournalSnapshot(position: JournalPosition(5), data: [4, 5]))
        await #expect(throws: JournalError.invalidPosition(JournalPosition(6), last: JournalPosition(5))) {
            try await journal.snapshot([], upTo: JournalPosition(6))
        }
        await journal.close()
    }

    @Test(arguments: Backend.allCases) func appendsAfterCloseAreRefused(backend: Backend) async throws {
        let (journal, cleanup) = try Self.open(backend)
        defer { cleanup() }
        _ = try await journal.append([Fixtures.numbered(1)])
        await journal.close()
        await journal.close()
        await #expect(throws: JournalError.closed) { _ = try await journal.append([Fixtures.numbered(2)]) }
        #expect(try await journal.read(from: .origin, limit: 10).map(\.record) == [Fixtures.numbered(1)])
    }

    @Test(arguments: Backend.allCases) func oversizedRecordsAreRefused(backend: Backend) async throws {
        let (journal, cleanup) = try Self.open(backend)
        defer { cleanup() }
        let limit = FileJournal.Configuration.defaultRecordBytesMax
        let big = JournalRecord(type: 200, payload: [UInt8](repeating: 0, count: limit + 1))
        await #expect(throws: JournalError.recordTooLarge(bytes: limit + 1, max: limit)) {
            _ = try await journal.append([big])
        }
        #expect(await journal.lastPosition() == .origin)
        await journal.close()
    }

    @Test(arguments: Backend.allCases) func entriesIterateInBatchesFromASnapshot(
        backend: Backend
    ) async throws {
        let (journal, cleanup) = try Self.open(backend)
        defer { cleanup() }
        _ = try await journal.append((1...10).map { Fixtures.numbered($0) })
        try await journal.snapshot([3], upTo: JournalPosition(3))
        let snapshot = try await journal.latestSnapshot()
        var replayed: [JournalEntry] = []
        for try await entry in journal.entries(from: snapshot?.position.next ?? .origin, batchSize: 3) {
            replayed.append(entry)
        }
        #expect(replayed.map(\.position.sequence) == Array(4...10))
        #expect(replayed.map(\.record) == (4...10).map { Fixtures.numbered($0) })
        var all = 0
        for try await _ in journal.entries() { all += 1 }
        #expect(all == 10)
        await journal.close()
    }

    @Test func memoryJournalLimitIsEnforced() async throws {
        let journal = InMemoryJournal(configuration: .init(recordsMax: 3))
        _ = try await journal.append([Fixtures.numbered(1), Fixtures.numbered(2)])
        await #expect(throws: JournalError.full(recordsMax: 3)) {
            _ = try await journal.append([Fixtures.numbered(3), Fixtures.numbered(4)])
        }
        #expect(try await journal.append([Fixtures.numbered(3)]) == JournalPosition(3))
    }
}
