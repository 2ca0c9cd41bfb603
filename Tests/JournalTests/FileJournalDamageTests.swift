import Testing

@testable import Journal

/// Exhaustive damage: every cut point and every single-bit flip of a small journal, so that the
/// line between "torn tail, truncate" and "corruption, stop" holds at every byte, not only at
/// the offsets a hand-written test picks.
@Suite struct FileJournalDamageTests {
    static let records = 6
    static let frameBytes = FileJournalTests.frameBytes
    static let segment = FileJournalTests.firstSegment

    static func pristine() async throws -> (TemporaryDirectory, [UInt8]) {
        let directory = TemporaryDirectory()
        try await FileJournalTests.fill(directory, count: records)
        return (directory, try directory.bytes(of: segment))
    }

    @Test func everyCutPointRecoversEveryCompleteRecord() async throws {
        let (directory, original) = try await Self.pristine()
        defer { directory.remove() }
        for length in 0...original.count {
            try directory.write(Array(original.prefix(length)), to: Self.segment)
            let journal = try FileJournal(directory: directory.path)
            let complete = max(0, length - 16) / Self.frameBytes
            let report = journal.recoveryReport
            #expect(report.recordsRecovered == UInt64(complete), "cut at \(length)")
            let partial = length < 16 ? length : (length - 16) % Self.frameBytes
            #expect(report.bytesTruncated == Int64(partial), "cut at \(length)")
            #expect(try await journal.read(from: .origin, limit: 100).count == complete)
            await journal.close()
        }
    }

    @Test func everyBitFlipIsTruncatedAtTheTailAndAnErrorElsewhere() async throws {
        let (directory, original) = try await Self.pristine()
        defer { directory.remove() }
        let lastFrame = 16 + (Self.records - 1) * Self.frameBytes
        for offset in 0..<original.count {
            for bit in [0, 5] {
                var damaged = original
                damaged[offset] ^= 1 << bit
                try directory.write(damaged, to: Self.segment)
                do {
                    let journal = try FileJournal(directory: directory.path)
                    #expect(offset >= lastFrame, "flip at \(offset) bit \(bit) was accepted")
                    #expect(journal.recoveryReport.recordsRecovered == UInt64(Self.records - 1))
                    #expect(journal.recoveryReport.truncation?.offset == Int64(lastFrame))
                    await journal.close()
                } catch .corruptRecord(let segment, let errorOffset, _) {
                    #expect(offset < lastFrame, "flip at \(offset) bit \(bit) in the tail was an error")
                    #expect(segment == Self.segment)
                    let frameStart = offset < 16 ? 0 : 16 + (offset - 16) / Self.frameBytes * Self.frameBytes
                    #expect(errorOffset == Int64(frameStart), "flip at \(offset) bit \(bit)")
                }
            }
        }
    }
}
