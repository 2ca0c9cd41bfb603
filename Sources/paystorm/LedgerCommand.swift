import ArgumentParser

/// `paystorm ledger`: a built-in ledger run (random balanced transfers over sharded ledger
/// actors) that prints a summary. The default command until scenarios run.
struct LedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Run a built-in random-transfer workload on the sharded ledger and print a summary.")

    func run() throws {
        print("ledger workload: pending")
    }
}
