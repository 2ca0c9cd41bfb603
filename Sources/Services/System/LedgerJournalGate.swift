import Journal
import Ledger
import PaystormRuntime
import Synchronization

/// The ledger's journal, held shut while a resumed system replays the journal's transfers into
/// its ledger (they are durable already; journaling them again would double the log at each
/// restart), and opened before the system serves.
///
/// A refused append is retried with backoff (`PaymentJournaling.appendPersistently`'s bounds):
/// the ledger applied the batch already and its booking intent is durable, so the record only
/// confirms what recovery would redo from the intent; giving up at once would leave the ledger
/// in memory ahead of a journal the caller then cannot make agree.
final class LedgerJournalGate: LedgerJournal {
    private let journal: any LedgerJournal
    private let isOpen: Atomic<Bool>
    private let runtime: any Runtime

    init(_ journal: any LedgerJournal, open: Bool, runtime: any Runtime) {
        self.journal = journal
        self.runtime = runtime
        isOpen = Atomic(open)
    }

    func open() { isOpen.store(true, ordering: .releasing) }

    func record(_ batch: [Transfer]) async throws {
        guard isOpen.load(ordering: .acquiring) else { return }
        var attempt = 1
        while true {
            do {
                try await journal.record(batch)
                return
            } catch {
                if case .closed? = error as? JournalError { throw error }
                if attempt >= PaymentJournaling.persistentAttemptsMax { throw error }
            }
            try? await runtime.sleep(
                for: PaymentJournaling.persistentBackoff.delay(afterRetries: attempt - 1))
            attempt += 1
        }
    }
}
