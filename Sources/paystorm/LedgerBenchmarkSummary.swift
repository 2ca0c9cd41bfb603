import Journal
import Ledger

/// The human summary and the JSON report of `paystorm ledger`'s benchmark.
struct LedgerBenchmarkSummary {
    /// What replaying the run's file journal into a fresh ledger gave (`--check-recovery`).
    struct Recovery {
        var report: BatchReplayReport
        var wallTime: Duration
        var balancesDigest: UInt64
        /// Same balances digest, same transfer count, and balanced.
        var matches: Bool
    }

    var result: LedgerBenchmarkResult
    var journal: String
    var statistics: FileJournal.Statistics?
    var recovery: Recovery?
    var deterministic: Bool

    var text: String {
        let configuration = result.configuration
        let durability =
            journal == "none"
            ? "no journal"
            : journal.hasPrefix("file:") ? "journal \(journal), fdatasync per batch" : "journal memory"
        let runtime = deterministic ? "deterministic runtime" : "concurrent runtime"
        var lines = [
            "paystorm ledger: TigerBeetle's benchmark: \(Format.count(configuration.transfers)) transfers in batches "
                + "of \(Format.count(configuration.batchSize)) between \(Format.count(configuration.accounts)) "
                + "accounts, one client (\(durability); \(runtime), seed \(configuration.seed))",
            row(
                "load accepted",
                "\(Format.count(Int(result.acceptedPerSecond.rounded()))) transfers/s "
                    + "(\(Format.count(result.transfersAccepted)) of \(Format.count(result.transfersSubmitted)) "
                    + "in \(Format.count(result.batches)) batches, \(Format.seconds(result.loadWallTime)))"),
            row("batch latency", Self.percentiles(result.batchLatency)),
        ]
        let refusals = result.refusals.sorted { $0.value > $1.value }.map {
            "\($0.key) \(Format.count($0.value))"
        }
        lines.append(row("refused", refusals.isEmpty ? "none" : refusals.joined(separator: " · ")))
        let averageReturned =
            result.queryLatency.count > 0 ? result.queryTransfersReturned / result.queryLatency.count : 0
        lines.append(
            row(
                "queries",
                "\(Format.count(result.queryLatency.count)) account histories (up to "
                    + "\(Format.count(configuration.queryLimit)) transfers, \(Format.count(averageReturned)) on average): "
                    + Self.percentiles(result.queryLatency)))
        lines.append(
            row(
                "checks",
                "\(result.balanceMismatches) of \(Format.count(configuration.accounts)) balances differ from the "
                    + "client's record; \(result.queryMismatches) of \(Format.count(result.queryLatency.count)) "
                    + "histories differ; debits = credits: \(result.isBalanced ? "yes" : "NO")"))
        if let statistics {
            lines.append(
                row(
                    "journal",
                    "\(Format.count(Int(statistics.recordsAppended))) records (one per batch), "
                        + "\(Format.count(Int(statistics.syncCalls))) fdatasyncs, "
                        + "\(Format.fixed(Double(statistics.bytesWritten) / 1_048_576, 1)) MiB written"))
        }
        if let recovery {
            lines.append(
                row(
                    "recovery",
                    "\(recovery.report) in \(Format.seconds(recovery.wallTime)); balances "
                        + "\(Format.hex(recovery.balancesDigest)): \(recovery.matches ? "same" : "DIFFERENT")"
                ))
        }
        lines.append(row("digest", "balances \(Format.hex(result.balancesDigest))"))
        let pass = result.checksHold && recovery?.matches != false
        lines.append("result: " + (pass ? "PASS" : "FAIL"))
        return lines.joined(separator: "\n")
    }

    /// The JSON report: the figures with their units in their names.
    var report: Report {
        Report(
            workload: "tigerbeetle-benchmark", journal: journal, seed: result.configuration.seed,
            accounts: result.configuration.accounts, batchSize: result.configuration.batchSize,
            transfersSubmitted: result.transfersSubmitted, transfersAccepted: result.transfersAccepted,
            batches: result.batches, refusals: result.refusals,
            loadSeconds: Double(result.loadWallTime.components.seconds)
                + Double(result.loadWallTime.components.attoseconds) / 1e18,
            acceptedTransfersPerSecond: result.acceptedPerSecond, batchLatency: result.batchLatency,
            queryLatency: result.queryLatency, queryTransfersReturned: result.queryTransfersReturned,
            balanceMismatches: result.balanceMismatches, queryMismatches: result.queryMismatches,
            balanced: result.isBalanced, balancesDigest: Format.hex(result.balancesDigest),
            journalSyncs: statistics.map { Int($0.syncCalls) },
            journalBytesWritten: statistics.map { Int($0.bytesWritten) },
            recoveryMatches: recovery?.matches, pass: result.checksHold && recovery?.matches != false)
    }

    struct Report: Encodable {
        var workload: String
        var journal: String
        var seed: UInt64
        var accounts: Int
        var batchSize: Int
        var transfersSubmitted: Int
        var transfersAccepted: Int
        var batches: Int
        var refusals: [String: Int]
        var loadSeconds: Double
        var acceptedTransfersPerSecond: Double
        var batchLatency: LatencyPercentiles
        var queryLatency: LatencyPercentiles
        var queryTransfersReturned: Int
        var balanceMismatches: Int
        var queryMismatches: Int
        var balanced: Bool
        var balancesDigest: String
        var journalSyncs: Int?
        var journalBytesWritten: Int?
        var recoveryMatches: Bool?
        var pass: Bool
    }

    private static func percentiles(_ latency: LatencyPercentiles) -> String {
        "p1 \(milliseconds(latency.p1Milliseconds)) · p50 \(milliseconds(latency.p50Milliseconds)) · "
            + "p99 \(milliseconds(latency.p99Milliseconds)) · p100 \(milliseconds(latency.p100Milliseconds))"
    }

    private static func milliseconds(_ value: Double) -> String {
        Format.fixed(value, value < 1 ? 3 : value < 100 ? 2 : 0) + " ms"
    }

    private func row(_ label: String, _ value: String) -> String {
        "  " + label.padding(toLength: 15, withPad: " ", startingAt: 0) + value
    }
}
