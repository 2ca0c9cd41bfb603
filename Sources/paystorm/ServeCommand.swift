import ArgumentParser
import Client
import Core
import Foundation
import Journal
import Server

/// `paystorm serve`: Stripe's HTTP API over the processor, in real time.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve Stripe's HTTP API (PaymentIntents, refunds, disputes, events, webhooks) on loopback."
    )

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on; 0 picks a free one (printed).") var port = 4242
    @Option(
        name: .customLong("api-key"),
        help: "Onboard a merchant with this secret key (sk_test_...); repeatable.")
    var apiKeys: [String] = []
    @Option(
        name: .customLong("webhook-url"), help: "Register this endpoint for the first --api-key's merchant.")
    var webhookURLs: [String] = []
    @Option(help: "Settlement currency of onboarded merchants.") var currency = "usd"
    @Option(help: "Requests per second each merchant's key may make.") var rateLimit: Int64 = 100
    @Option(help: "Requests a merchant's key may burst above the rate.") var rateBurst: Int64 = 200
    @Option(
        help: ArgumentHelp(
            "Idempotency answers kept to replay (the newest, across the processor's stores); a retry "
                + "of an older key within 24 hours gets 409 idempotency_answer_dropped."))
    var idempotencyAnswersMax = PaystormServer.Options.idempotencyAnswersMaxDefault
    @Option(help: "Delivery attempts per webhook before it is dead-lettered.") var webhookAttempts = 5
    @Option(help: "First retry delay of a failed webhook, in milliseconds (doubling).")
    var webhookBackoffMilliseconds: Int64 = 1_000
    @Option(help: "Webhook deliveries in flight at once (and connections to an endpoint's host at most).")
    var webhookDeliveriesInFlightMax = 256
    @Option(help: "Also answer /metrics on this host:port (it is always on the API's port).")
    var metricsAddress: String?
    @Option(help: "Close a connection that sends nothing for this many seconds (a slow client).")
    var idleTimeoutSeconds: Int64 = 30
    @Option(
        help: ArgumentHelp(
            "Close a connection whose request has not arrived in full this many seconds after its "
                + "first byte (a client that trickles)."))
    var readTimeoutSeconds: Int64 = 10
    @Option(
        help: ArgumentHelp(
            "Journal everything the API accepts before answering it: file:DIR (a directory). "
                + "Default: memory only, nothing survives the process."))
    var journal: String?
    @Flag(help: "With --journal file:DIR holding a journal: bring back everything it holds, then serve.")
    var resume = false
    @Option(
        help: ArgumentHelp(
            "The key sealing the webhook endpoints' signing secrets in the journal (AES-256-GCM): a file "
                + "holding 32 bytes or 64 hex digits, or the hex digits. Default: $PAYSTORM_JOURNAL_KEY; "
                + "without either, the secrets are journaled in plain text."))
    var journalKey: String?
    /// Measuring knobs (PERFORMANCE.md): NIO's event loops (default one per core), and the
    /// handlers' tasks run on them instead of Swift Concurrency's own pool.
    @Option(help: .hidden) var eventLoops: Int?
    @Flag(help: .hidden) var tasksOnEventLoops = false

    func run() async throws {
        // A server runs on the wall clock, as a realtime run does.
        configureAllocatorForRealtime()
        // Before anything opens a socket: the group is made at its first use.
        if let eventLoops {
            guard (1...64).contains(eventLoops) else {
                throw ValidationError("--event-loops must be in 1...64")
            }
            ConcurrencyExecutor.suggestEventLoops(eventLoops)
        }
        if tasksOnEventLoops { ConcurrencyExecutor.installEventLoops() }
        var options = try serverOptions()
        try configureJournal(&options)
        let extraListener = try metricsAddress.map { text in
            guard let address = PrometheusMetrics.address(text) else {
                throw ValidationError("--metrics-address \(text): give host:port, e.g. 127.0.0.1:9464")
            }
            return address
        }
        let metrics = PrometheusMetrics.bootstrap()
        options.metrics = metrics
        if let extraListener {
            Task { try await metrics.serve(host: extraListener.host, port: extraListener.port) }
        }
        let host = host
        try await PaystormServer(options: options).run { port in
            // Written straight to the descriptor: a caller waiting for this line reads a pipe,
            // where print's buffer would hold it back.
            FileHandle.standardOutput.write(
                Data("paystorm serve: listening on http://\(host):\(port)\n".utf8))
        }
    }

    /// The server's options from the flags, each range-checked: a bad value is a usage error
    /// that names the flag, never a server that starts with it.
    func serverOptions() throws -> PaystormServer.Options {
        var options = PaystormServer.Options()
        options.host = host
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be in 0...65535") }
        options.port = port
        for key in apiKeys where !key.hasPrefix("sk_test_") || key.count < 12 {
            throw ValidationError("--api-key \(key.prefix(8))...: secret keys start with sk_test_")
        }
        options.apiKeys = apiKeys
        for url in webhookURLs where !url.hasPrefix("http://") {
            throw ValidationError(
                "--webhook-url \(url.prefix(64)): webhooks go over plain HTTP, use an http:// URL")
        }
        options.webhookURLs = webhookURLs
        guard webhookURLs.isEmpty || !apiKeys.isEmpty else {
            throw ValidationError("--webhook-url needs an --api-key whose merchant it serves")
        }
        do {
            options.settlementCurrency = try Currency(code: currency)
        } catch {
            throw ValidationError("--currency \(currency): not a currency Paystorm knows")
        }
        guard (1...1_000_000).contains(rateLimit), (1...1_000_000).contains(rateBurst) else {
            throw ValidationError("--rate-limit and --rate-burst must be in 1...1000000")
        }
        options.rateLimitPerSecond = rateLimit
        options.rateLimitBurst = rateBurst
        guard (1...100_000_000).contains(idempotencyAnswersMax) else {
            throw ValidationError("--idempotency-answers-max must be in 1...100000000")
        }
        options.idempotencyAnswersMax = idempotencyAnswersMax
        guard (1...50).contains(webhookAttempts) else {
            throw ValidationError("--webhook-attempts must be in 1...50")
        }
        options.webhookAttemptsMax = webhookAttempts
        guard (1...3_600_000).contains(webhookBackoffMilliseconds) else {
            throw ValidationError("--webhook-backoff-milliseconds must be in 1...3600000")
        }
        options.webhookBackoffBase = .milliseconds(webhookBackoffMilliseconds)
        guard (1...4_096).contains(webhookDeliveriesInFlightMax) else {
            throw ValidationError("--webhook-deliveries-in-flight-max must be in 1...4096")
        }
        options.webhookDeliveriesInFlightMax = webhookDeliveriesInFlightMax
        guard (1...3_600).contains(idleTimeoutSeconds) else {
            throw ValidationError("--idle-timeout-seconds must be in 1...3600")
        }
        options.idleTimeout = .seconds(idleTimeoutSeconds)
        guard (1...3_600).contains(readTimeoutSeconds) else {
            throw ValidationError("--read-timeout-seconds must be in 1...3600")
        }
        options.readTimeout = .seconds(readTimeoutSeconds)
        return options
    }

    /// Opens `--journal` (a directory only: serve must survive its process) and its key, or
    /// refuses `--resume` without one.
    func configureJournal(_ options: inout PaystormServer.Options) throws {
        if let journal {
            let location: JournalLocation
            do {
                location = try JournalLocation(parsing: journal)
            } catch {
                throw ValidationError("--journal \(journal): \(error)")
            }
            guard case .file = location else {
                throw ValidationError("--journal \(journal): serve journals to a directory, file:DIR")
            }
            do {
                try RunCommand.checkResumable(location, resume: resume)
                options.journal = try location.open()
            } catch {
                throw ValidationError("\(error)")
            }
            options.resume = resume
            do {
                options.journalKey = try JournalKeyInput.load(journalKey)
            } catch {
                throw ValidationError("\(error)")
            }
        } else if resume {
            throw ValidationError("--resume needs --journal file:DIR")
        }
    }
}
