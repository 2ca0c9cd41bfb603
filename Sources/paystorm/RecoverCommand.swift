import ArgumentParser
import Journal
import Scenarios
import Services

/// `paystorm recover --journal file:PATH`: rebuilds merchants, payments, idempotency keys and
/// ledger balances from a run's journal (after a crash, or after a clean end), checks every
/// invariant a crash must not break, and prints counts and the journal's own recovery report
/// (how many records, whether a torn tail was truncated). Exit 0 when every invariant holds, 1
/// when one is violated, 2 when the journal cannot be opened or read.
struct RecoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Rebuild a run's state from its journal and check every invariant.")

    @Option(help: "The journal to recover: file:PATH (a directory written by `paystorm run --journal`).")
    var journal: String
    @Option(help: ArgumentHelp(JournalKeyInput.help)) var journalKey: String?
    @Option(
        help: ArgumentHelp(
            "Also write the balance transactions of every booking the journal holds to this path: "
                + "CSV, or one JSON object a line when the name ends in .jsonl or .json."))
    var balanceTransactions: String?

    func run() async throws {
        let location: JournalLocation
        do {
            location = try JournalLocation(parsing: journal)
        } catch {
            printError("paystorm recover: \(error)")
            throw ExitCode(ExitStatus.badInput)
        }
        if case .memory = location {
            printError("paystorm recover: a memory journal ends with its run; give --journal file:PATH")
            throw ExitCode(ExitStatus.badInput)
        }
        let cipher: FieldCipher?
        do {
            cipher = try JournalKeyInput.load(journalKey).map { key throws(JournalError) in
                try FieldCipher(key: key)
            }
        } catch {
            printError("paystorm recover: \(error)")
            throw ExitCode(ExitStatus.badInput)
        }
        let result: JournalRecovery.Result
        do {
            result = try await Self.recover(location, cipher: cipher)
        } catch {
            printError("paystorm recover: \(error)")
            throw ExitCode(ExitStatus.badInput)
        }
        print(result.text)
        if let balanceTransactions {
            do {
                let export = try BalanceTransactionFile(path: balanceTransactions)
                let (journal, _) = try location.openReporting()
                defer { export.close() }
                do {
                    try await BalanceTransactionJournalScan.scan(journal, sink: export.sink)
                    await journal.close()
                } catch {
                    await journal.close()
                    throw error
                }
                guard let written = export.close() else {
                    throw BalanceTransactionFileError(path: balanceTransactions, errno: 0)
                }
                print("balance transactions: \(balanceTransactions) holds \(written)")
            } catch {
                printError("paystorm recover: --balance-transactions: \(error)")
                throw ExitCode(ExitStatus.badInput)
            }
        }
        if !result.invariantsHold { throw ExitCode(ExitStatus.invariantViolated) }
    }

    /// Off the main actor: the ledger replay hops between shard actors.
    @concurrent
    private static func recover(
        _ location: JournalLocation, cipher: FieldCipher?
    ) async throws -> JournalRecovery.Result {
        try await JournalRecovery.recover(location, cipher: cipher)
    }
}
