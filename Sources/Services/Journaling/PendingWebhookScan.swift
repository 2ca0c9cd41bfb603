import Core
import Journal
import Ledger

/// The webhook events a live system still owes its merchants, read from its journal: the
/// events its journaled transitions emitted less those a `WebhookSettledRecord` shows delivered
/// or dead-lettered. What a restarted webhook dispatcher rebuilds its deliveries from, and what
/// the run checks is empty at its end.
///
/// Recovery's own fold (from the latest snapshot, or the first record), stopped before crash
/// repair: the process is alive, so a transition whose booking is not journaled yet is still
/// being booked and its events were emitted. A rollback that an earlier crash's recovery
/// journaled is honoured, as recovery honours it.
package enum PendingWebhookScan {
    /// - Parameters:
    ///   - ledgerConfiguration, cipher: the run's (the fold opens card fields and snapshots).
    /// - Throws: what `PaymentSystemRecovery.recover` throws for a record or snapshot it cannot
    ///   read.
    package static func scan(
        _ journal: any Journal, ledgerConfiguration: LedgerConfiguration = LedgerConfiguration(),
        cipher: FieldCipher? = nil
    ) async throws -> [PendingWebhook] {
        var fold = try await PaymentSystemRecovery.startingFold(
            journal: journal, ledgerConfiguration: ledgerConfiguration, cipher: cipher)
        for try await entry in journal.entries(from: fold.position.next) { try fold.apply(entry) }
        return fold.state.owedWebhooks
    }
}
