import Foundation
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
    /// Seals the webhook endpoints' signing secrets in the journal (`--journal-key`); nil:
    /// they are journaled in plain text (a Stripe double must sign with them after a restart,
    /// so it keeps them recoverably, as Stripe does to show them again).
    let secretCipher: FieldCipher?

    /// The nonce domain of the endpoint secrets' seals under the journal's key.
    static let endpointSecretDomain: UInt32 = 0x5745_0001

    private struct State {
        var pending: [JournalRecord] = []
        /// The latest commit: each commit waits for the one before it.
        var previous: Task<Void, any Error>?
    }

    private let state = Mutex(State())

    init(journal: any Journal, secretCipher: FieldCipher? = nil) {
        self.journal = journal
        self.secretCipher = secretCipher
    }

    /// An endpoint's secret as its record holds it: opened with the journal's key when sealed.
    /// - Throws: a sealed secret without the key, or with another key (never echoing either).
    func secret(of image: ServerRecord.EndpointImage) throws -> String {
        guard let sealed = image.sealedSecret else { return image.secret }
        guard let secretCipher else {
            throw JournalError.cipher(
                "webhook endpoint \(image.id)'s secret is sealed: resume with the same --journal-key")
        }
        guard let bytes = Data(base64Encoded: sealed) else {
            throw JournalError.cipher("webhook endpoint \(image.id)'s sealed secret is not base64")
        }
        return String(
            decoding: try secretCipher.open(Array(bytes), authenticating: Array(image.id.utf8)), as: UTF8.self
        )
    }

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
