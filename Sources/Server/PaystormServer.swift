import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Journal
import Logging
import Metrics
import NIOCore
import ServiceLifecycle
import Services
import Synchronization

/// `paystorm serve`: Stripe's HTTP API over a payment system running in real time, with admin
/// routes for the people running the double. Stops on SIGTERM or SIGINT after the requests in
/// flight are answered.
public struct PaystormServer: Sendable {
    public struct Options: Sendable {
        public var host = "127.0.0.1"
        /// 0 picks a free port (printed when listening).
        public var port = 4242
        /// Secret keys to onboard a merchant each with at start.
        public var apiKeys: [String] = []
        /// Webhook endpoints to register for the first merchant at start (every event).
        public var webhookURLs: [String] = []
        public var settlementCurrency: Currency = .usd
        public var rateLimitPerSecond: Int64 = 100
        public var rateLimitBurst: Int64 = 200
        /// Idempotency answers kept to replay, across the processor's stores: Stripe replays
        /// the first answer for 24 hours, so a test double keeps far more than a load run does.
        public var idempotencyAnswersMax = Options.idempotencyAnswersMaxDefault
        public static let idempotencyAnswersMaxDefault = 1_000_000
        public var webhookAttemptsMax = 5
        public var webhookBackoffBase: Duration = .seconds(1)
        /// Webhook deliveries in flight at once, and connections to one endpoint's host at most.
        public var webhookDeliveriesInFlightMax = WebhookSender.Configuration().concurrentMax
        public var seed: UInt64 = 1
        /// A connection idle this long is closed (a slow client cannot hold one forever).
        public var idleTimeout: Duration = .seconds(30)
        /// A request must arrive in full (headers and body) this long after its first byte, or
        /// its connection is closed: a client that trickles is cut off, not only a silent one.
        public var readTimeout: Duration = .seconds(10)
        /// Where `/metrics` reads from; nil: no `/metrics` route.
        public var metrics: MetricsExposition?
        /// How long a dashboard sign-in lasts (from sign-in, not from the last request).
        public var dashboardSessionLifetimeSeconds: Int64 = 3_600
        /// Where everything the API accepts is journaled before it is answered; nil: memory only.
        public var journal: (any Journal)?
        /// Rebuild the processor and the API's objects from `journal` before serving.
        public var resume = false
        /// 32 bytes sealing the webhook endpoints' signing secrets in the journal (AES-256-GCM);
        /// nil: they are journaled in plain text.
        public var journalKey: [UInt8]?
        public init() {}
    }

    let options: Options
    private let serverJournal: ServerJournal?
    /// Off: every request goes to Hummingbird's router (what tests compare the fast path with).
    var answersInPipeline = true
    /// Every answer's `Server` header.
    static let serverName = "paystorm"

    /// - Throws: a journal key that is not 32 bytes.
    public init(options: Options) throws {
        self.options = options
        let cipher = try options.journalKey.map {
            try FieldCipher(key: $0, domain: ServerJournal.endpointSecretDomain)
        }
        serverJournal = options.journal.map { ServerJournal(journal: $0, secretCipher: cipher) }
    }

    /// Serves until SIGTERM or SIGINT; `onListening` gets the bound port.
    /// With a journal, what is pending is committed and the journal closed once the server
    /// stopped, so that everything answered is durable when the process exits.
    public func run(onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let application = try await makeApplication(onListening: onListening)
        do {
            try await application.runService()
        } catch {
            await serverJournal?.close()
            throw error
        }
        await serverJournal?.close()
    }

    /// The application `run` serves: the router over a fresh processor, the webhook sender as
    /// its service. Tests drive it without a socket.
    public func makeApplication(
        onListening: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        var senderConfiguration = WebhookSender.Configuration()
        senderConfiguration.attemptsMax = options.webhookAttemptsMax
        senderConfiguration.backoffBase = options.webhookBackoffBase
        senderConfiguration.concurrentMax = options.webhookDeliveriesInFlightMax
        let settledJournal = serverJournal
        let sender = WebhookSender(configuration: senderConfiguration) { delivery in
            // Goes with the next commit: a settling lost to a SIGKILL only sends a delivery again.
            settledJournal?.note(.deliverySettled(eventID: delivery.eventID, endpointID: delivery.endpointID))
        }
        let address = ServerAddress("http://\(options.host):\(options.port)")
        let current = Mutex<ServerBackend?>(nil)
        let options = options
        let journal = serverJournal
        let configuration = ServerBackend.quietConfiguration(
            rateLimitPerSecond: options.rateLimitPerSecond, burst: options.rateLimitBurst,
            idempotencyAnswersMax: options.idempotencyAnswersMax)
        let start: @Sendable (ServerBackend) async throws -> Void = { backend in
            for (index, key) in options.apiKeys.enumerated() {
                // A resumed server knows its keys already: the first start journaled them.
                let merchant: MerchantID
                if let known = backend.system.owner(ofAPIKey: key) {
                    merchant = known
                } else {
                    merchant = try await backend.onboard(secretKey: key).0
                }
                guard index == 0 else { continue }
                for url in options.webhookURLs
                where !backend.store.endpoints(of: merchant).contains(where: { $0.url == url }) {
                    let endpoint = backend.store.addEndpoint(
                        merchant: merchant, url: url, enabledEvents: ["*"], secret: StripeAPI.newSecret(),
                        created: ServerBackend.now(), description: "--webhook-url", metadata: [:])
                    if let journal {
                        try await journal.commit([.endpoint(endpoint, sealing: journal.secretCipher)])
                    }
                }
            }
            current.withLock { $0 = backend }
        }
        let makeBackend: @Sendable () async throws -> ServerBackend = {
            // A journal holds one life of the processor: a reset would have to forget it.
            if journal != nil, current.withLock({ $0 }) != nil {
                throw StripeError(
                    status: 400, code: "reset_unavailable",
                    message: "A server with --journal cannot be reset: start one on a new directory.")
            }
            let backend = try await ServerBackend(
                configuration: configuration, settlementCurrency: options.settlementCurrency, sender: sender,
                address: address, seed: options.seed, journal: journal)
            try await start(backend)
            return backend
        }
        if let journal, options.resume {
            try await start(
                ServerBackend.resuming(
                    configuration: configuration, settlementCurrency: options.settlementCurrency,
                    sender: sender, address: address, seed: options.seed, journal: journal))
        } else {
            _ = try await makeBackend()
        }
        let backend: @Sendable () -> ServerBackend = { current.withLock { $0! } }
        let router = Router()
        router.add(middleware: StripeMiddleware())
        if let metrics = options.metrics {
            router.get("/metrics") { _, _ in metrics.response() }
        }
        let api = StripeAPI(backend: backend)
        let admin = AdminAPI(backend: backend, reset: makeBackend)
        let routes = StripeRoutes.table(api: api, admin: admin)
        StripeRoutes.register(routes, on: router)
        Dashboard.register(
            on: router, api: api, sender: sender,
            sessions: DashboardSessions(lifetimeSeconds: options.dashboardSessionLifetimeSeconds))
        return Application(
            router: router,
            server: .http1(
                configuration: Self.channelConfiguration(
                    options, fastRoutes: APIFastPath.Routes(answersInPipeline ? routes : []))),
            configuration: .init(
                address: .hostname(options.host, port: options.port), serverName: Self.serverName),
            services: [sender],
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? options.port
                address.set("http://\(options.host):\(bound)")
                onListening(bound)
            },
            logger: Logger(label: "paystorm.serve") { LazyMetadataLogHandler(label: $0) }
        )
    }
}

extension PaystormServer {
    /// A connection's HTTP/1 channel: the read deadline, the fast path for `fastRoutes` and the
    /// idle timeout. Tests build Hummingbird's pipeline with it to see the fast path answer.
    static func channelConfiguration(
        _ options: Options, fastRoutes: APIFastPath.Routes
    ) -> HTTP1Channel.Configuration {
        .init(
            additionalChannelHandlers: [
                RequestReadDeadline(limit: .seconds(options.readTimeout.components.seconds)),
                APIFastPath(routes: fastRoutes, serverName: serverName),
            ],
            idleTimeout: .seconds(options.idleTimeout.components.seconds))
    }
}

/// Where the server listens, known once it is bound (port 0 picks one): the base of the URLs
/// the API hands out (a 3-D Secure page).
final class ServerAddress: Sendable {
    private let url: Mutex<String>
    init(_ url: String) { self.url = Mutex(url) }
    func set(_ url: String) { self.url.withLock { $0 = url } }
    var baseURL: String { url.withLock { $0 } }
}

/// Every answer carries a `Request-Id`; an error nobody answered in Stripe's shape (an unknown
/// route, a handler's surprise) is answered in it here, and the server stays up.
struct StripeMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    static let requestIDHeader = HTTPField.Name("Request-Id")!
    static let counter = Atomic<UInt64>(0)

    /// `paystorm_api_request_duration_seconds` by method: the server's own time for a request,
    /// from its router to its answer, so that a client's latency can be split into its own
    /// queue, the server's handling and what lies between (the request read and written, the
    /// wait for a thread of the pool). Made once: a timer made per request costs a look-up in
    /// the metrics factory.
    private static let durations = [
        HTTPRequest.Method.get, .post, .delete,
    ].map {
        ($0, Timer(label: "paystorm_api_request_duration_seconds", dimensions: [("method", $0.rawValue)]))
    }
    private static let otherDuration = Timer(
        label: "paystorm_api_request_duration_seconds", dimensions: [("method", "other")])

    static func duration(of method: HTTPRequest.Method) -> Timer {
        durations.first { $0.0 == method }?.1 ?? otherDuration
    }

    /// The next answer's `Request-Id`: one counter for the answers made here and those of
    /// `APIFastPath`.
    static func nextRequestID() -> String {
        "req_" + String(hex14: counter.add(1, ordering: .relaxed).newValue)
    }

    // `@concurrent`: Hummingbird's protocol is compiled without nonisolated-nonsending defaults.
    @concurrent func handle(
        _ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response
    ) async throws -> Response {
        let requestID = Self.nextRequestID()
        let started = ContinuousClock.now
        defer { Self.duration(of: request.method).record(duration: started.duration(to: .now)) }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            response = StripeRoutes.response(
                APIAnswer(StripeError.unrecognizedURL(request.method.rawValue, request.uri.path)))
        } catch let error as HTTPError {
            response = StripeRoutes.response(
                APIAnswer(
                    StripeError(
                        status: Int(error.status.code), code: nil, message: error.body ?? "\(error.status)")))
        } catch {
            response = StripeRoutes.response(
                APIAnswer(StripeError.internalError("An unexpected error occurred.")))
        }
        response.headers[Self.requestIDHeader] = requestID
        return response
    }
}
