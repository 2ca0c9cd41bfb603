/// The entries of a journal from a position on, read in batches: what replay and consumers
/// (webhooks, settlement) iterate.
///
///     let snapshot = try await journal.latestSnapshot()
///     for try await entry in journal.entries(from: snapshot?.position.next ?? .origin) { ... }
///
/// Iteration ends at the last durable record as of each batch read; records appended while
/// iterating are included if they are durable by the time the iterator reaches them. Memory is
/// bounded by `batchSize` entries.
public struct JournalEntries: AsyncSequence, Sendable {
    public typealias Element = JournalEntry
    public typealias Failure = JournalError

    public let journal: any Journal
    public let start: JournalPosition
    public let batchSize: Int

    public init(journal: any Journal, from start: JournalPosition, batchSize: Int = 4_096) {
        self.journal = journal
        self.start = start
        self.batchSize = Swift.max(1, batchSize)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        public typealias Element = JournalEntry
        public typealias Failure = JournalError

        let journal: any Journal
        let batchSize: Int
        var next: JournalPosition
        var buffer: [JournalEntry] = []
        var index = 0
        var finished = false

        public mutating func next(
            isolation actor: isolated (any Actor)? = #isolation
        ) async throws(JournalError) -> JournalEntry? {
            if index == buffer.count {
                guard !finished else { return nil }
                buffer = try await journal.read(from: next, limit: batchSize)
                index = 0
                guard let last = buffer.last else {
                    finished = true
                    return nil
                }
                next = last.position.next
            }
            defer { index += 1 }
            return buffer[index]
        }

        public mutating func next() async throws(JournalError) -> JournalEntry? {
            try await next(isolation: nil)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(journal: journal, batchSize: batchSize, next: start)
    }
}

extension Journal {
    /// The entries from `position` (inclusive) to the end, read `batchSize` at a time.
    public func entries(from position: JournalPosition = .origin, batchSize: Int = 4_096) -> JournalEntries {
        JournalEntries(journal: self, from: position, batchSize: batchSize)
    }
}
