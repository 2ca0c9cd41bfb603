import Ledger
import Synchronization

/// The ledger's journal, held shut while a resumed system replays the journal's transfers into
/// its ledger (they are durable already; journaling them again would double the log at each
/// restart), and opened before the system serves.
final class LedgerJournalGate: LedgerJournal {
    private let journal: any LedgerJournal
    private let isOpen: Atomic<Bool>

    init(_ journal: any LedgerJournal, open: Bool) {
        self.journal = journal
        isOpen = Atomic(open)
    }

    func open() { isOpen.store(true, ordering: .releasing) }

    func record(_ batch: [Transfer]) async throws {
        guard isOpen.load(ordering: .acquiring) else { return }
        try await journal.record(batch)
    }
}
