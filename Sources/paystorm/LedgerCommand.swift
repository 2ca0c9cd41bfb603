import ArgumentParser
import Core
import Foundation
import Journal
import Ledger
import PaystormRuntime

/// `paystorm ledger`: a built-in ledger run that prints a summary and exits 1 if any check
/// failed. By default TigerBeetle's `tigerbeetle benchmark` workload on the batch ledger
/// (`LedgerBenchmark`); `--workload payments` runs random payment transfers from concurrent
/// producers over the sharded ledger (`LedgerWorkload`).
struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract:
            "Benchmark the ledger on TigerBeetle's workload, or run random payment transfers on the sharded ledger."
    )

    enum Workload: String, ExpressibleByArgument, CaseIterable {
        case benchmark
        case payments
    }

    @Option(
        help: ArgumentHelp(
            "benchmark: TigerBeetle's `tigerbeetle benchmark` (one client, uniform accounts, then "
                + "account-history queries) on the batch ledger; payments: random payment transfers "
                + "from concurrent producers with redeliveries on the sharded ledger."))
    var workload: Workload = .benchmark
    @Option(help: "Transfers to submit (benchmark: 10,000,000; payments: 200,000).") var transfers: Int?
    @Option(help: "Transfers per submit call (benchmark: 8,189; payments: 64).") var batchSize: Int?
    @Option(help: "Accounts the transfers are drawn between (benchmark only; default 10,000).")
    var accounts: Int?
    @Option(help: "Account-history lookups after the load (benchmark only; default 100).") var queries: Int?
    @Option(
        help: ArgumentHelp(
            "none, memory or file:DIR: where each batch is journaled before it is answered. A file "
                + "journal writes and fdatasyncs every batch before its answer (durable); DIR must be "
                + "empty or new."))
    var journal = "none"
    @Flag(
        help: ArgumentHelp(
            "With --journal file:DIR (benchmark): reopen the journal after the run, replay it into a "
                + "fresh ledger and check that it holds the same balances."))
    var checkRecovery = false
    @Option(help: "Also write the result as JSON to this path (benchmark only).") var json: String?
    @Option(help: "Ledger shard actors (payments only; default 8).") var shards: Int?
    @Option(help: "Concurrent producer tasks (payments only; default 16).") var producers: Int?
    @Option(help: "Merchants the transfers are spread over (payments only; default 10,000).")
    var merchants: Int?
    @Option(help: "Chance that a producer redelivers a recent transfer (payments only; default 0.02).")
    var redeliveryRate: Double?
    @Option(help: "Seed of every random draw.") var seed: UInt64 = 42
    @Flag(help: "Run on the deterministic runtime: one thread, the interleaving chosen by the seed.")
    var deterministic = false

    func run() async throws {
        let location: JournalLocation?
        do {
            location = journal == "none" ? nil : try JournalLocation(parsing: journal)
            if let location { try RunCommand.checkResumable(location, resume: false) }
        } catch {
            printError("paystorm ledger: --journal \(journal): \(error)")
            throw ExitCode(ExitStatus.badInput)
        }
        if deterministic, case .file = location {
            printError(
                "paystorm ledger: --journal file:DIR needs the concurrent runtime (its syncs complete on "
                    + "the wall clock), not --deterministic")
            throw ExitCode(ExitStatus.badInput)
        }
        switch workload {
        case .benchmark: try await runBenchmark(location)
        case .payments: try await runPayments(location)
        }
    }

    // MARK: TigerBeetle's benchmark

    /// The journal `--journal` names, opened; nil for `none`.
    private func open(_ location: JournalLocation?) throws -> (any Journal)? {
        do {
            return try location?.open()
        } catch {
            printError("paystorm ledger: --journal \(journal): \(error)")
            throw ExitCode(ExitStatus.badInput)
        }
    }

    private func runBenchmark(_ location: JournalLocation?) async throws {
        let misplaced = [
            ("--shards", shards != nil), ("--producers", producers != nil), ("--merchants", merchants != nil),
            ("--redelivery-rate", redeliveryRate != nil),
        ].filter(\.1).map(\.0)
        guard misplaced.isEmpty else {
            printError(
                "paystorm ledger: \(misplaced.joined(separator: ", ")) apply to --workload payments only")
            throw ExitCode(ExitStatus.badInput)
        }
        if checkRecovery, location.map({ if case .file = $0 { true } else { false } }) != true {
            printError("paystorm ledger: --check-recovery needs --journal file:DIR")
            throw ExitCode(ExitStatus.badInput)
        }
        var configuration = LedgerBenchmarkConfiguration()
        configuration.seed = seed
        if let transfers { configuration.transfers = transfers }
        if let batchSize { configuration.batchSize = batchSize }
        if let accounts { configuration.accounts = accounts }
        if let queries { configuration.queries = queries }
        let opened = try open(location)
        let result: LedgerBenchmarkResult
        do {
            result = try await Self.benchmark(configuration, deterministic: deterministic, journal: opened)
        } catch let error as LedgerError {
            await opened?.close()
            printError("paystorm ledger: \(error)")
            throw ExitCode(
                Self.isConfigurationError(error) ? ExitStatus.badInput : ExitStatus.invariantViolated)
        }
        let statistics = (opened as? FileJournal)?.statistics()
        await opened?.close()
        var recovery: LedgerBenchmarkSummary.Recovery?
        if checkRecovery, case .file = location {
            recovery = try await Self.recover(configuration, location: location!, expected: result)
        }
        let summary = LedgerBenchmarkSummary(
            result: result, journal: journal, statistics: statistics, recovery: recovery,
            deterministic: deterministic)
        print(summary.text)
        if let json {
            do {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try encoder.encode(summary.report).write(to: URL(fileURLWithPath: json))
            } catch {
                printError("paystorm ledger: cannot write \(json): \(error)")
                throw ExitCode(ExitStatus.badInput)
            }
        }
        if !result.checksHold || recovery?.matches == false { throw ExitCode(ExitStatus.invariantViolated) }
    }

    /// Replays the journal the run left into a fresh ledger and compares its books.
    private static func recover(
        _ configuration: LedgerBenchmarkConfiguration, location: JournalLocation,
        expected: LedgerBenchmarkResult
    ) async throws -> LedgerBenchmarkSummary.Recovery {
        var ledgerConfiguration = BatchLedgerConfiguration(
            accountCount: configuration.accounts, transferCapacity: configuration.transfers)
        ledgerConfiguration.batchMax = configuration.batchSize
        let stopwatch = Stopwatch()
        let journal: any Journal
        do {
            journal = try location.open()
        } catch {
            printError("paystorm ledger: reopening \(location) failed: \(error)")
            throw ExitCode(ExitStatus.invariantViolated)
        }
        do {
            let (ledger, report) = try await BatchLedger.recover(
                configuration: ledgerConfiguration, from: journal)
            let audit = await ledger.audit()
            await journal.close()
            return LedgerBenchmarkSummary.Recovery(
                report: report, wallTime: stopwatch.elapsed, balancesDigest: audit.balancesDigest,
                matches: audit.balancesDigest == expected.balancesDigest
                    && audit.transfers == expected.transfersAccepted && audit.isBalanced)
        } catch {
            await journal.close()
            printError("paystorm ledger: recovering \(location) failed: \(error)")
            throw ExitCode(ExitStatus.invariantViolated)
        }
    }

    private static func isConfigurationError(_ error: LedgerError) -> Bool {
        if case .invalidConfiguration = error { return true }
        return false
    }

    /// Off the main actor, like the payments run.
    @concurrent
    private static func benchmark(
        _ configuration: LedgerBenchmarkConfiguration, deterministic: Bool, journal: (any Journal)?
    ) async throws -> LedgerBenchmarkResult {
        if deterministic {
            let runtime = DeterministicRuntime(seed: configuration.seed)
            return try runtime.run {
                try await LedgerBenchmark.run(configuration, runtime: runtime, journal: journal)
            }
        }
        return try await LedgerBenchmark.run(
            configuration, runtime: ConcurrentRuntime(seed: configuration.seed), journal: journal)
    }

    // MARK: Payments

    private func runPayments(_ location: JournalLocation?) async throws {
        let misplaced = [
            ("--accounts", accounts != nil), ("--queries", queries != nil), ("--json", json != nil),
            ("--check-recovery", checkRecovery),
        ].filter(\.1).map(\.0)
        guard misplaced.isEmpty else {
            printError(
                "paystorm ledger: \(misplaced.joined(separator: ", ")) apply to --workload benchmark only")
            throw ExitCode(ExitStatus.badInput)
        }
        var configuration = LedgerWorkloadConfiguration()
        configuration.seed = seed
        configuration.transfers = transfers ?? 200_000
        configuration.shardCount = shards ?? 8
        configuration.producers = producers ?? 16
        configuration.merchants = merchants ?? 10_000
        configuration.batchSize = batchSize ?? 64
        configuration.redeliveryRate = redeliveryRate ?? 0.02
        let opened = try open(location)
        let result: LedgerWorkloadResult
        do {
            result = try await Self.execute(configuration, deterministic: deterministic, journal: opened)
        } catch let error as LedgerError {
            await opened?.close()
            printError("paystorm ledger: \(error)")
            throw ExitCode(ExitStatus.badInput)
        }
        await opened?.close()
        print(LedgerSummary(result: result, deterministic: deterministic).text)
        if !result.checksHold { throw ExitCode(ExitStatus.invariantViolated) }
    }

    /// Runs off the main actor: the concurrent runtime's producers are pool tasks, and the
    /// deterministic runtime drives its executor on this (pool) thread.
    @concurrent
    private static func execute(
        _ configuration: LedgerWorkloadConfiguration, deterministic: Bool, journal: (any Journal)?
    ) async throws -> LedgerWorkloadResult {
        let ledgerJournal: any LedgerJournal = journal.map { JournalLedgerAdapter($0) } ?? NoLedgerJournal()
        if deterministic {
            let runtime = DeterministicRuntime(seed: configuration.seed)
            return try runtime.run {
                try await LedgerWorkload.run(configuration, runtime: runtime, journal: ledgerJournal)
            }
        }
        return try await LedgerWorkload.run(
            configuration, runtime: ConcurrentRuntime(seed: configuration.seed), journal: ledgerJournal)
    }
}
