import Foundation
import Hummingbird
import NIOCore
import Prometheus

/// What `/metrics` answers: the registry swift-metrics reports into (Prometheus text format
/// 0.0.4) and the process's own figures, read from /proc at each scrape.
public struct MetricsExposition: Sendable {
    public let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    /// Help for the metrics the processor reports through swift-metrics, whose API carries
    /// none: written before each family's `# TYPE` line (Prometheus' linter asks for one).
    static let help: [String: String] = [
        "paystorm_payments_total": "PaymentIntents that reached an outcome, by outcome.",
        "paystorm_events_total": "Events emitted, by type.",
        "paystorm_authorize_duration_seconds": "Time from sending an authorization to the network's answer.",
        "paystorm_api_request_duration_seconds":
            "The server's time for an API or dashboard request, from its router to its answer, by method.",
        "paystorm_ledger_transfers_total": "Ledger transfers applied.",
        "paystorm_api_requests_in_flight": "API calls admitted and not yet answered.",
        "paystorm_webhook_deliveries_total":
            "Webhook delivery attempts' results: delivered, failed, dead_lettered.",
        "paystorm_journeys_in_flight": "Scenario journeys started and not yet finished.",
        "paystorm_journeys_waiting":
            "Of the journeys in flight, those waiting for their next step (a later capture, refund...).",
        "paystorm_arrivals_total":
            "Arrivals the load profile made due: dispatched (a journey started) or dropped at the in-flight bound.",
        "paystorm_arrivals_answered_total": "Dispatched arrivals that got a first answer (any answer).",
    ]

    public func text() -> String {
        var text = ""
        for line in registry.emitToString().split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# TYPE "), let name = line.dropFirst(7).split(separator: " ").first,
                let help = Self.help[String(name)]
            {
                text += "# HELP \(name) \(help)\n"
            }
            text += line
            text += "\n"
        }
        if text.hasSuffix("\n\n") { text.removeLast() }
        if let process = ProcessFigures.read() {
            text += """
                # HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
                # TYPE process_cpu_seconds_total counter
                process_cpu_seconds_total \(process.cpuSeconds)
                # HELP process_resident_memory_bytes Resident memory size in bytes.
                # TYPE process_resident_memory_bytes gauge
                process_resident_memory_bytes \(process.residentBytes)
                # HELP process_virtual_memory_bytes Virtual memory size in bytes.
                # TYPE process_virtual_memory_bytes gauge
                process_virtual_memory_bytes \(process.virtualBytes)
                # HELP process_open_fds Number of open file descriptors.
                # TYPE process_open_fds gauge
                process_open_fds \(process.openDescriptors)
                # HELP process_start_time_seconds Start time of the process since unix epoch in seconds.
                # TYPE process_start_time_seconds gauge
                process_start_time_seconds \(process.startUnixSeconds)

                """
        }
        return text
    }

    func response() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(
            status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text())))
    }

    /// A listener that answers `/metrics` only: what a realtime run exposes on
    /// `--metrics-address` while it runs.
    public func serve(host: String, port: Int) async throws {
        let router = Router()
        router.get("/metrics") { _, _ in response() }
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "paystorm")
        )
        try await app.runService(gracefulShutdownSignals: [])
    }
}

/// The process's CPU, memory, descriptors and start time, from /proc (Linux).
struct ProcessFigures {
    var cpuSeconds: Double
    var residentBytes: Int64
    var virtualBytes: Int64
    var openDescriptors: Int
    var startUnixSeconds: Int64

    static func read() -> ProcessFigures? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name, which may itself hold spaces and parentheses.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // utime 14, stime 15, starttime 22, vsize 23, rss 24 (1-based, counting pid and comm).
        guard fields.count > 22, let user = Double(fields[11]), let system = Double(fields[12]),
            let startTicks = Double(fields[19]), let virtualBytes = Int64(fields[20]),
            let residentPages = Int64(fields[21])
        else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageBytes = Int64(sysconf(Int32(_SC_PAGESIZE)))
        var bootUnixSeconds: Int64 = 0
        if let procStat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = procStat.split(separator: "\n").first(where: { $0.hasPrefix("btime ") })
        {
            bootUnixSeconds = Int64(line.dropFirst(6)) ?? 0
        }
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        return ProcessFigures(
            cpuSeconds: (user + system) / ticks, residentBytes: residentPages * pageBytes,
            virtualBytes: virtualBytes, openDescriptors: descriptors,
            startUnixSeconds: bootUnixSeconds + Int64(startTicks / ticks))
    }
}
