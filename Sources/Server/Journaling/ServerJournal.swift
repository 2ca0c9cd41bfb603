import Journal
import Synchronization

/// Writes the API's own objects (`ServerRecord`s) into the processor's journal, so that an
/// answer is durable, with everything it shows, before it is sent.
///
/// Events are emitted by the processor while a request runs, from an observer that must not
/// block: they wait here (`note`) and go with the next `commit`. A commit returns once its own
/// records and every earlier commit's are durable: a request whose events another request's
/// commit took answers only after that commit is durable too.
final class ServerJournal: Sendable {
    let journal: any Journal

    private struct State {
        var pending: [JournalRecord] = []
        /// The latest commit: each commit waits for the one before it.
        var previous: Task<Void, any Error>?
    }

    private let state = Mutex(State())

    init(journal: any Journal) { self.journal = journal }

    /// Keeps `record` for the next commit.
    func note(_ record: ServerRecord) {
        let record = JournalRecord(record)
        state.withLock { $0.pending.append(record) }
    }

    /// Appends what `note` kept and `records`, and returns when they and every earlier
    /// commit are durable.
    /// - Throws: the journal's error; the records may or may not be durable then.
    func commit(_ records: [ServerRecord] = []) async throws {
        let encoded = records.map { JournalRecord($0) }
        let journal = journal
        let task = state.withLock { state -> Task<Void, any Error> in
            let batch = state.pending + encoded
            state.pending = []
            let previous = state.previous
            // A task rather than an append here: the next commit must be able to wait for this
            // one, whoever's task awaits it.
            let task = Task<Void, any Error> {
                if !batch.isEmpty { _ = try await journal.append(batch) }
                try await previous?.value
            }
            state.previous = task
            return task
        }
        try await task.value
    }

    /// Commits what is pending and closes the journal (every accepted append is durable after).
    func close() async {
        try? await commit()
        await journal.close()
    }
}
