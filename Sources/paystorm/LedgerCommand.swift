import ArgumentParser
import Core
import Ledger
import PaystormRuntime

/// `paystorm ledger`: a built-in ledger run (random balanced transfers from concurrent
/// producers over sharded ledger actors, with redeliveries) that prints a summary and exits 1
/// if any ledger invariant failed. The default command.
struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Run a built-in random-transfer workload on the sharded ledger and print a summary.")

    @Option(help: "Distinct transfers to submit.") var transfers = 200_000
    @Option(help: "Ledger shard actors.") var shards = 8
    @Option(help: "Concurrent producer tasks.") var producers = 16
    @Option(help: "Merchants the transfers are spread over.") var merchants = 10_000
    @Option(help: "Transfers per submit call.") var batchSize = 64
    @Option(help: "Chance that a producer redelivers a recent transfer.") var redeliveryRate = 0.02
    @Option(help: "Seed of every random draw.") var seed: UInt64 = 42
    @Flag(help: "Run on the deterministic runtime: one thread, the interleaving chosen by the seed.")
    var deterministic = false

    func run() async throws {
        var configuration = LedgerWorkloadConfiguration()
        configuration.seed = seed
        configuration.transfers = transfers
        configuration.shardCount = shards
        configuration.producers = producers
        configuration.merchants = merchants
        configuration.batchSize = batchSize
        configuration.redeliveryRate = redeliveryRate
        let result: LedgerWorkloadResult
        do {
            result = try await Self.execute(configuration, deterministic: deterministic)
        } catch let error as LedgerError {
            printError("paystorm ledger: \(error)")
            throw ExitCode(ExitStatus.badInput)
        }
        print(LedgerSummary(result: result, deterministic: deterministic).text)
        if !result.checksHold { throw ExitCode(ExitStatus.invariantViolated) }
    }

    /// Runs off the main actor: the concurrent runtime's producers are pool tasks, and the
    /// deterministic runtime drives its executor on this (pool) thread.
    @concurrent
    private static func execute(
        _ configuration: LedgerWorkloadConfiguration, deterministic: Bool
    ) async throws -> LedgerWorkloadResult {
        if deterministic {
            let runtime = DeterministicRuntime(seed: configuration.seed)
            return try runtime.run { try await LedgerWorkload.run(configuration, runtime: runtime) }
        }
        return try await LedgerWorkload.run(
            configuration, runtime: ConcurrentRuntime(seed: configuration.seed))
    }
}
