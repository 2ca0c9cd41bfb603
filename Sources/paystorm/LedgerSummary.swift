import Core
import Ledger

/// The human summary of a `paystorm ledger` run.
struct LedgerSummary {
    var result: LedgerWorkloadResult
    var deterministic: Bool

    var text: String {
        let configuration = result.configuration
        let runtime = deterministic ? "deterministic runtime" : "concurrent runtime"
        var lines = [
            "paystorm ledger: \(Format.count(result.transfers)) transfers from \(configuration.producers) producers "
                + "over \(configuration.shardCount) shards (\(runtime), seed \(configuration.seed))",
            row(
                "submitted",
                "\(Format.count(result.submissions)) (\(Format.count(result.redeliveries)) redeliveries) "
                    + "in \(Format.count(result.submitCalls)) calls"),
            row(
                "kinds",
                "captures \(Format.count(result.captures)) · refunds \(Format.count(result.refunds)) · "
                    + "payouts \(Format.count(result.payouts)) · holds \(Format.count(result.holds)) "
                    + "(posted \(Format.count(result.posts)), voided \(Format.count(result.voids)))"),
            row("applied", Format.count(result.applied)),
        ]
        let refusals = result.rejected.sorted { $0.value > $1.value }.map {
            "\($0.key) \(Format.count($0.value))"
        }
        lines.append(row("refused", refusals.isEmpty ? "none" : refusals.joined(separator: " · ")))
        lines.append(
            row(
                "redeliveries",
                "\(Format.count(result.redeliveriesAlreadyApplied)) recognised as already applied, "
                    + "\(Format.count(result.redeliveriesApplied)) applied (their first delivery was refused)"
            ))
        lines.append(
            row(
                "exactly-once",
                "\(result.appliedTwice) ids applied twice; \(result.balanceMismatches) of "
                    + "\(Format.count(result.accounts)) account balances differ from the producers' record"))
        for line in result.reconciliation.currencies {
            let amount = { (value: Int128) in
                Money(minorUnits: Int64(clamping: value), currency: line.currency).description
            }
            lines.append(
                row(
                    "ledger \(line.currency.code)",
                    "debits \(amount(line.debitsPosted)) = credits \(amount(line.creditsPosted)); "
                        + "imbalance \(line.imbalance); open holds \(amount(line.debitsPending))"))
        }
        let reconciliation = result.reconciliation
        lines.append(
            row(
                "per transfer",
                "\(Format.count(reconciliation.transfersChecked)) checked across shards, "
                    + "\(reconciliation.unbalancedTransferCount) unbalanced; \(reconciliation.openPending) holds open"
            ))
        lines.append(
            row(
                "throughput",
                "\(Format.count(Int(result.submissionsPerSecond))) submissions/s "
                    + "(wall \(Format.seconds(result.wallTime)))"))
        lines.append(
            row(
                "digests",
                "trace \(Format.hex(result.traceDigest)) · balances \(Format.hex(result.balancesDigest))"))
        lines.append("result: " + (result.checksHold ? "PASS" : "FAIL"))
        return lines.joined(separator: "\n")
    }

    private func row(_ label: String, _ value: String) -> String {
        "  " + label.padding(toLength: 15, withPad: " ", startingAt: 0) + value
    }
}
