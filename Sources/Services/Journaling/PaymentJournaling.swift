import Core
import Journal
import Ledger
import PaystormRuntime

/// How `DurablePaymentJournal`, the ledger's journal gate and recovery append what must not be
/// lost: the bounded retry of an append that completes a durable step, and the idempotency key
/// of the request being served (see `PaymentJournal` for what is journaled, and when).
enum PaymentJournaling {
    /// Attempts `appendPersistently` makes at most (about 40 s of backoff in all), and the
    /// first and longest wait between two.
    static let persistentAttemptsMax = 48
    static let persistentBackoff = Backoff(first: .milliseconds(10), max: .seconds(1))

    /// Appends `records`, retrying a refused append with exponential backoff (bounded).
    /// - Throws: the last `JournalError` when every attempt failed, or at once for a closed
    ///   journal (a fenced, dead process: retrying cannot help).
    static func appendPersistently(
        _ records: [JournalRecord], journal: any Journal, runtime: any Runtime
    ) async throws(JournalError) {
        var attempt = 1
        while true {
            do throws(JournalError) {
                _ = try await journal.append(records)
                return
            } catch {
                if case .closed = error { throw error }
                if attempt >= persistentAttemptsMax { throw error }
            }
            try? await runtime.sleep(for: persistentBackoff.delay(afterRetries: attempt - 1))
            attempt += 1
        }
    }

    /// The idempotency key of the API request being served, if any: journaled with each
    /// transition the request makes (see `PaymentSystem.call`).
    @TaskLocal static var idempotencyKey: String?
}
