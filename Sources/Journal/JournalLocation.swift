/// Where a run keeps its journal, as the `--journal` flag spells it: `memory` (the default) or
/// `file:PATH` (a directory, created if missing).
public enum JournalLocation: Hashable, Sendable, CustomStringConvertible {
    case memory
    case file(path: String)

    /// Parses the flag's value.
    /// - Throws: `JournalError.invalidLocation` for anything but `memory` or `file:PATH` with a
    ///   non-empty path.
    public init(parsing text: String) throws(JournalError) {
        if text == "memory" {
            self = .memory
            return
        }
        let prefix = "file:"
        guard text.hasPrefix(prefix) else {
            throw .invalidLocation(text, reason: "unknown journal kind")
        }
        let path = String(text.dropFirst(prefix.count))
        guard !path.isEmpty else {
            throw .invalidLocation(text, reason: "the file journal needs a directory path")
        }
        guard !path.utf8.contains(0) else {
            throw .invalidLocation(text, reason: "the path contains a NUL byte")
        }
        self = .file(path: path)
    }

    public var description: String {
        switch self {
        case .memory: "memory"
        case .file(let path): "file:" + path
        }
    }

    /// Opens the journal this location names; a file journal recovers its log first (its
    /// `recoveryReport` says what it found).
    /// - Throws: what `FileJournal.init` throws.
    public func open(
        memory: InMemoryJournal.Configuration = .init(), file: FileJournal.Configuration = .init()
    ) throws(JournalError) -> any Journal {
        switch self {
        case .memory: InMemoryJournal(configuration: memory)
        case .file(let path): try FileJournal(directory: path, configuration: file)
        }
    }

    /// Opens the journal like `open`, and also returns what recovery found (nil for memory),
    /// for `paystorm recover` and for a run that resumes from a file journal.
    public func openReporting(
        memory: InMemoryJournal.Configuration = .init(), file: FileJournal.Configuration = .init()
    ) throws(JournalError) -> (journal: any Journal, recovery: RecoveryReport?) {
        switch self {
        case .memory:
            return (InMemoryJournal(configuration: memory), nil)
        case .file(let path):
            let journal = try FileJournal(directory: path, configuration: file)
            return (journal, journal.recoveryReport)
        }
    }
}
