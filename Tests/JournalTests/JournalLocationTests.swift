import Testing

@testable import Journal

@Suite struct JournalLocationTests {
    @Test func parsesMemoryAndFile() throws {
        #expect(try JournalLocation(parsing: "memory") == .memory)
        #expect(try JournalLocation(parsing: "file:/var/tmp/j") == .file(path: "/var/tmp/j"))
        #expect(try JournalLocation(parsing: "file:relative/dir") == .file(path: "relative/dir"))
        #expect(JournalLocation.file(path: "/x").description == "file:/x")
    }

    @Test(arguments: ["", "Memory", "file:", "file", "postgres://localhost/db", " memory", "memory:"])
    func rejectsAnythingElse(text: String) {
        #expect {
            _ = try JournalLocation(parsing: text)
        } throws: { error in
            guard case .invalidLocation(let found, _) = error as? JournalError else { return false }
            return found == text
        }
    }

    @Test func opensTheNamedBackend() async throws {
        #expect(try JournalLocation.memory.open() is InMemoryJournal)
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let journal = try JournalLocation.file(path: directory.path).open()
        #expect(journal is FileJournal)
        #expect(directory.segmentNames() == ["00000000000000000001.wal"])
        _ = try await journal.append([Fixtures.numbered(1)])
        await journal.close()
        let (reopened, report) = try JournalLocation.file(path: directory.path).openReporting()
        #expect(report?.recordsRecovered == 1)
        #expect(try JournalLocation.memory.openReporting().recovery == nil)
        await reopened.close()
    }
}
