import Journal
import Ledger
import Services

/// `paystorm recover` as a library call: opens a journal (a file journal first truncates a torn
/// tail and says so), rebuilds the payment system from it, and checks the invariants a crash
/// must not break. The crash test calls this in-process on the journal of a killed child.
public enum JournalRecovery {
    /// What recovery found.
    public struct Result: Sendable {
        public let location: JournalLocation
        /// What opening the file journal found (records recovered, a torn tail truncated); nil
        /// for memory.
        public let opening: RecoveryReport?
        public let system: RecoveredPaymentSystem

        public var invariantsHold: Bool { system.report.invariantsHold }

        /// The printed report: the journal's recovery, then the rebuilt state and each check.
        public var text: String {
            var lines = ["journal: \(location)"]
            if let opening { lines.append("opening: \(opening)") }
            lines.append(system.report.description)
            lines.append(invariantsHold ? "recovery: every invariant holds" : "recovery: INVARIANT VIOLATED")
            return lines.joined(separator: "\n")
        }
    }

    /// Opens `location`, rebuilds, checks, and closes the journal.
    /// - Throws: `JournalError` when the journal cannot be opened or read (a corrupt record in
    ///   the middle of the log names its segment and offset), `RecoveryError` or
    ///   `LedgerReplayError` when a record cannot be decoded or replayed.
    ///   `RecoveryError.cardFields` when the journal's card fields do not open with `cipher`.
    public static func recover(
        _ location: JournalLocation, ledgerConfiguration: LedgerConfiguration = LedgerConfiguration(),
        cipher: FieldCipher? = nil
    ) async throws -> Result {
        let (journal, opening) = try location.openReporting()
        do {
            let system = try await PaymentSystemRecovery.recover(
                from: journal, ledgerConfiguration: ledgerConfiguration, cipher: cipher)
            await journal.close()
            return Result(location: location, opening: opening, system: system)
        } catch {
            await journal.close()
            throw error
        }
    }
}
