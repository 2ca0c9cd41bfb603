import Foundation
import Testing

@testable import Journal

/// Group commit, recovery and segment handling of the file journal. These use real threads
/// and real files (the journal is I/O, not simulation) but assert no timings.
@Suite struct FileJournalTests {
    static let payloadBytes = 32
    static let frameBytes = 18 + payloadBytes
    static let firstSegment = "00000000000000000001.wal"

    /// Offset of record `sequence` in the first segment of a journal of `numbered` records.
    static func offset(of sequence: Int) -> Int { 16 + (sequence - 1) * frameBytes }

    static func fill(
        _ directory: TemporaryDirectory, count: Int, configuration: FileJournal.Configuration = .init()
    )
        async throws
    {
        let journal = try FileJournal(directory: directory.path, configuration: configuration)
        for index in 1...count { _ = try await journal.append([Fixtures.numbered(index)]) }
        await journal.close()
    }

    static func expectIntact(_ journal: FileJournal, count: Int) async throws {
        let entries = try await journal.read(from: .origin, limit: count + 10)
        #expect(entries.count == count)
        #expect(entries.map(\.record) == (1...max(count, 1)).prefix(count).map { Fixtures.numbered($0) })
    }

    @Test func groupCommitGathersConcurrentAppends() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let journal = try FileJournal(directory: directory.path)
        let tasks = 64
        let appendsPerTask = 200
        let positions = try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for task in 0..<tasks {
                group.addTask {
                    var mine: [UInt64] = []
                    for index in 0..<appendsPerTask {
                        let position = try await journal.append([
                            Fixtures.numbered(task * appendsPerTask + index)
                        ])
                        mine.append(position.sequence)
                    }
                    return mine
                }
            }
            var all: [UInt64] = []
            for try await mine in group {
                #expect(mine == mine.sorted(), "one appender's positions increase")
                all += mine
            }
            return all
        }
        let total = tasks * appendsPerTask
        #expect(positions.sorted() == Array(1...UInt64(total)), "positions unique and contiguous")
        let statistics = journal.statistics()
        #expect(statistics.appendCalls == UInt64(total))
        #expect(statistics.recordsAppended == UInt64(total))
        #expect(statistics.syncCalls == statistics.batches)
        #expect(statistics.syncCalls * 4 < statistics.appendCalls, "syncs: \(statistics.syncCalls)")
        #expect(statistics.batchAppendsMax > 1)
        // Every record is back, each exactly once, at the position its appender was given.
        let entries = try await journal.read(from: .origin, limit: total + 1)
        #expect(entries.count == total)
        let numbers = Set(
            entries.map { $0.record.payload.prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) } })
        #expect(numbers.count == total)
        await journal.close()
        let reopened = try FileJournal(directory: directory.path)
        #expect(reopened.recoveryReport.recordsRecovered == UInt64(total))
        #expect(reopened.recoveryReport.truncation == nil)
        await reopened.close()
    }

    @Test func truncatedTailIsCutAndReported() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try await Self.fill(directory, count: 10)
        var bytes = try directory.bytes(of: Self.firstSegment)
        #expect(bytes.count == Self.offset(of: 11))
        bytes.removeLast(7)
        try directory.write(bytes, to: Self.firstSegment)

        let journal = try FileJournal(directory: directory.path)
        let report = journal.recoveryReport
        #expect(report.recordsRecovered == 9)
        #expect(report.lastPosition == JournalPosition(9))
        #expect(report.truncation?.segment == Self.firstSegment)
        #expect(report.truncation?.offset == Int64(Self.offset(of: 10)))
        #expect(report.bytesTruncated == Int64(Self.frameBytes - 7))
        try await Self.expectIntact(journal, count: 9)
        // The log continues where the recovered part ends.
        #expect(try await journal.append([Fixtures.numbered(10)]) == JournalPosition(10))
        await journal.close()
        #expect(try directory.bytes(of: Self.firstSegment).count == Self.offset(of: 11))
    }

    @Test(arguments: [0, 9, 17, 49]) func bitFlippedTailRecordIsCut(byteInFrame: Int) async throws {
        let directory = TemporaryDirectory("bitflip\(byteInFrame)")
        defer { directory.remove() }
        try await Self.fill(directory, count: 10)
        var bytes = try directory.bytes(of: Self.firstSegment)
        bytes[Self.offset(of: 10) + byteInFrame] ^= 0x10
        try directory.write(bytes, to: Self.firstSegment)

        let journal = try FileJournal(directory: directory.path)
        #expect(journal.recoveryReport.recordsRecovered == 9)
        #expect(journal.recoveryReport.truncation?.offset == Int64(Self.offset(of: 10)))
        #expect(journal.recoveryReport.bytesTruncated == Int64(Self.frameBytes))
        try await Self.expectIntact(journal, count: 9)
        await journal.close()
    }

    @Test(arguments: [1, 4, 9]) func corruptMiddleRecordIsAClearError(sequence: Int) async throws {
        let directory = TemporaryDirectory("middle\(sequence)")
        defer { directory.remove() }
        try await Self.fill(directory, count: 10)
        var bytes = try directory.bytes(of: Self.firstSegment)
        bytes[Self.offset(of: sequence) + 30] ^= 0x01
        try directory.write(bytes, to: Self.firstSegment)
        let original = bytes

        #expect {
            _ = try FileJournal(directory: directory.path)
        } throws: { error in
            guard case .corruptRecord(let segment, let offset, let reason) = error as? JournalError else {
                return false
            }
            let text = (error as? JournalError)?.description ?? ""
            return segment == Self.firstSegment && offset == Int64(Self.offset(of: sequence))
                && reason.contains("checksum") && text.contains(Self.firstSegment)
                && text.contains("offset \(Self.offset(of: sequence))")
        }
        // Nothing was truncated: the evidence stays for an operator.
        #expect(try directory.bytes(of: Self.firstSegment) == original)
    }

    @Test func corruptLengthInTheMiddleIsNotMistakenForATornTail() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try await Self.fill(directory, count: 10)
        var bytes = try directory.bytes(of: Self.firstSegment)
        // A length that runs past the end of the file looks torn; the valid records after it
        // show it is not.
        bytes[Self.offset(of: 5) + 2] = 0x01
        try directory.write(bytes, to: Self.firstSegment)
        #expect {
            _ = try FileJournal(directory: directory.path)
        } throws: { error in
            guard case .corruptRecord(_, let offset, let reason) = error as? JournalError else {
                return false
            }
            return offset == Int64(Self.offset(of: 5)) && reason.contains("follows")
        }
    }

    @Test func readsVerifyChecksumsAgain() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let journal = try FileJournal(directory: directory.path)
        _ = try await journal.append((1...5).map { Fixtures.numbered($0) })
        try directory.flip(0x04, at: Self.offset(of: 3) + 40, of: Self.firstSegment)
        #expect(try await journal.read(from: .origin, limit: 2).count == 2)
        await #expect {
            _ = try await journal.read(from: .origin, limit: 5)
        } throws: { error in
            guard case .corruptRecord(let segment, let offset, _) = error as? JournalError else {
                return false
            }
            return segment == Self.firstSegment && offset == Int64(Self.offset(of: 3))
        }
        await journal.close()
    }

    @Test func segmentsRotateAndReadsCrossThem() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        // Room for 4 frames of 50 bytes after the 16-byte header.
        let configuration = FileJournal.Configuration(
            segmentBytesMax: 16 + 4 * Self.frameBytes, recordBytesMax: 64, indexIntervalBytes: 60)
        let journal = try FileJournal(directory: directory.path, configuration: configuration)
        #expect(try await journal.append((1...6).map { Fixtures.numbered($0) }) == JournalPosition(6))
        for index in 7...23 { _ = try await journal.append([Fixtures.numbered(index)]) }
        #expect(
            directory.segmentNames()
                == [1, 5, 9, 13, 17, 21].map { SegmentFormat.fileName(firstSequence: $0) })
        #expect(journal.statistics().segmentsCreated == 5)
        for start in [1, 3, 4, 5, 8, 12, 20, 23] {
            let entries = try await journal.read(from: JournalPosition(UInt64(start)), limit: 7)
            let expected = Array(start...min(23, start + 6))
            #expect(entries.map { Int($0.position.sequence) } == expected, "from \(start)")
            #expect(entries.map(\.record) == expected.map { Fixtures.numbered($0) })
        }
        await journal.close()

        let reopened = try FileJournal(directory: directory.path, configuration: configuration)
        #expect(reopened.recoveryReport.segmentsScanned == 6)
        #expect(reopened.recoveryReport.recordsRecovered == 23)
        #expect(
            try await reopened.append([Fixtures.numbered(24), Fixtures.numbered(25)]) == JournalPosition(25))
        try await Self.expectIntact(reopened, count: 25)
        await reopened.close()
    }

    @Test func corruptionInAnEarlierSegmentIsAnErrorEvenAtItsEnd() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let configuration = FileJournal.Configuration(
            segmentBytesMax: 16 + 4 * Self.frameBytes, recordBytesMax: 64)
        try await Self.fill(directory, count: 10, configuration: configuration)
        let second = SegmentFormat.fileName(firstSequence: 5)
        var bytes = try directory.bytes(of: second)
        bytes[bytes.count - 1] ^= 0x80
        try directory.write(bytes, to: second)
        #expect {
            _ = try FileJournal(directory: directory.path, configuration: configuration)
        } throws: { error in
            guard case .corruptRecord(let segment, let offset, _) = error as? JournalError else {
                return false
            }
            return segment == second && offset == Int64(16 + 3 * Self.frameBytes)
        }
    }

    @Test func tornSegmentHeaderIsRewritten() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let configuration = FileJournal.Configuration(
            segmentBytesMax: 16 + 4 * Self.frameBytes, recordBytesMax: 64)
        try await Self.fill(directory, count: 5, configuration: configuration)
        let second = SegmentFormat.fileName(firstSequence: 5)
        try directory.write(Array(try directory.bytes(of: second).prefix(9)), to: second)
        let journal = try FileJournal(directory: directory.path, configuration: configuration)
        #expect(journal.recoveryReport.recordsRecovered == 4)
        #expect(journal.recoveryReport.truncation?.segment == second)
        #expect(try await journal.append([Fixtures.numbered(5)]) == JournalPosition(5))
        try await Self.expectIntact(journal, count: 5)
        await journal.close()
    }

    @Test(arguments: [SyncPolicy.everyBatch, .interval(milliseconds: 5), .never])
    func everySyncPolicyPersists(policy: SyncPolicy) async throws {
        let directory = TemporaryDirectory("policy\(policy)")
        defer { directory.remove() }
        let configuration = FileJournal.Configuration(syncPolicy: policy)
        let count = 20
        let writer = try FileJournal(directory: directory.path, configuration: configuration)
        // One append at a time: each is its own batch, so the policy alone decides the syncs.
        for index in 1...count { _ = try await writer.append([Fixtures.numbered(index)]) }
        let beforeClose = writer.statistics()
        await writer.close()
        let afterClose = writer.statistics()
        #expect(beforeClose.batches == UInt64(count))
        #expect(beforeClose.writeCalls == UInt64(count))
        switch policy {
        case .everyBatch:
            // One sync per batch, each before its appender resumed; nothing left for close.
            #expect(beforeClose.syncCalls == UInt64(count))
            #expect(afterClose.syncCalls == UInt64(count))
        case .interval:
            // At most one per batch, and close syncs whatever the interval had not.
            #expect(afterClose.syncCalls >= 1)
            #expect(afterClose.syncCalls <= UInt64(count))
            #expect(afterClose.syncCalls >= beforeClose.syncCalls)
        case .never:
            #expect(afterClose.syncCalls == 0)
        }
        let journal = try FileJournal(directory: directory.path, configuration: configuration)
        try await Self.expectIntact(journal, count: count)
        await journal.close()
    }

    @Test func snapshotSurvivesReopenAndDetectsCorruption() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let journal = try FileJournal(directory: directory.path)
        _ = try await journal.append((1...3).map { Fixtures.numbered($0) })
        try await journal.snapshot([7, 7, 7], upTo: JournalPosition(2))
        await journal.close()
        let reopened = try FileJournal(directory: directory.path)
        #expect(
            try await reopened.latestSnapshot()
                == JournalSnapshot(position: JournalPosition(2), data: [7, 7, 7]))
        var bytes = try directory.bytes(of: "snapshot.bin")
        bytes[bytes.count - 1] ^= 1
        try directory.write(bytes, to: "snapshot.bin")
        await #expect(throws: JournalError.self) { _ = try await reopened.latestSnapshot() }
        await reopened.close()
    }

    @Test func aDirectoryHasOneWriterAtATime() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let journal = try FileJournal(directory: directory.path)
        #expect(throws: JournalError.alreadyOpen(directory: directory.path)) {
            _ = try FileJournal(directory: directory.path)
        }
        await journal.close()
        let reopened = try FileJournal(directory: directory.path)
        await reopened.close()
    }

    @Test func invalidConfigurationIsRejected() {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        #expect(throws: JournalError.self) {
            _ = try FileJournal(directory: directory.path, configuration: .init(segmentBytesMax: 100))
        }
        #expect(throws: JournalError.self) {
            _ = try FileJournal(
                directory: directory.path, configuration: .init(syncPolicy: .interval(milliseconds: 0)))
        }
    }
}
