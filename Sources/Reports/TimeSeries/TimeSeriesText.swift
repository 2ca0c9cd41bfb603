import Foundation

/// How `--timeseries` writes a row: CSV with a header, or one JSON object a line. The decline
/// codes and the faults on vary from row to row: in CSV they are one column each, written
/// `code=rate;code=rate` and `fault;fault` (no commas), in JSON an object and an array.
public enum TimeSeriesText {
    /// The columns, in order; every row has each of them.
    public static let columns = [
        "t_s", "target_tps", "dispatched_per_s", "answered_per_s", "in_flight", "in_flight_waiting",
        "authorizations",
        "authorize_p50_ms", "authorize_p90_ms", "authorize_p99_ms", "captured_per_s", "declined_per_s",
        "blocked_per_s", "challenged_per_s", "abandoned_3ds_per_s", "rate_limited_per_s", "shed_per_s",
        "amount_refused_per_s", "errors_per_s", "client_retries_per_s", "webhooks_delivered_per_s",
        "webhook_retries_per_s", "webhooks_dead_lettered_per_s", "webhook_backlog", "ledger_transfers_per_s",
        "violations", "rss_mb", "cpu_cores", "cpu_s", "declines_by_code", "faults_active",
    ]

    public static var csvHeader: String { columns.joined(separator: ",") }

    static func numbers(_ row: TimeSeriesRow) -> [Double] {
        [
            row.seconds, row.targetTPS, row.dispatchedPerSecond, row.answeredPerSecond, row.inFlight,
            row.inFlightWaiting, row.authorizations, row.authorizeP50Milliseconds,
            row.authorizeP90Milliseconds,
            row.authorizeP99Milliseconds,
            row.capturedPerSecond, row.declinedPerSecond, row.blockedPerSecond, row.challengedPerSecond,
            row.abandoned3DSPerSecond, row.rateLimitedPerSecond, row.shedPerSecond,
            row.amountRefusedPerSecond,
            row.errorsPerSecond, row.clientRetriesPerSecond, row.webhooksDeliveredPerSecond,
            row.webhookRetriesPerSecond, row.webhooksDeadLetteredPerSecond, row.webhookBacklog,
            row.ledgerTransfersPerSecond, row.violations, row.rssMegabytes, row.cpuCores, row.cpuSeconds,
        ]
    }

    public static func csv(_ row: TimeSeriesRow) -> String {
        let declines = row.declinesPerSecondByCode.sorted { $0.key < $1.key }.map {
            "\(csvSafe($0.key))=\(number($0.value))"
        }
        return
            (numbers(row).map(number) + [
                declines.joined(separator: ";"), row.faultsActive.map(csvSafe).joined(separator: ";"),
            ]).joined(separator: ",")
    }

    public static func jsonLine(_ row: TimeSeriesRow) -> String {
        var fields = zip(columns, numbers(row).map(number)).map { "\"\($0)\":\($1)" }
        let declines = row.declinesPerSecondByCode.sorted { $0.key < $1.key }.map {
            "\(jsonString($0.key)):\(number($0.value))"
        }
        fields.append("\"declines_by_code\":{\(declines.joined(separator: ","))}")
        fields.append("\"faults_active\":[\(row.faultsActive.map(jsonString).joined(separator: ","))]")
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// Whole numbers without a fraction, others with three decimals.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(format: "%.3f", value)
    }

    /// A name as a CSV cell among `;` and `=` separators: those characters, commas and quotes
    /// become `_` (decline codes and fault names are plain words; this only guards the format).
    static func csvSafe(_ text: String) -> String {
        String(text.map { ",;=\"\n\r".contains($0) ? "_" : $0 })
    }

    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
