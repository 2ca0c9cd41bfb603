import Core
import Foundation
import PaystormRuntime
import Services
import Synchronization

/// One life of the served processor: the payment system, the API's objects around it, and the
/// fan-out of its events to `/v1/events` and to the merchants' endpoints. `POST /admin/reset`
/// replaces it with a fresh one.
final class ServerBackend: Sendable {
    let system: PaymentSystem
    let store = ObjectStore()
    /// Names, kinds and expiries of the merchants' keys (the gateway keeps their hashes).
    let keys = APIKeyRegistry()
    /// The ledger transfers of each payment's bookings, for the dashboard's payment page.
    let ledgerEntries = LedgerEntryLog()
    let sender: WebhookSender
    let settlementCurrency: Currency
    private let nextMerchant = Atomic<UInt64>(0)
    /// The system, for the event observer, which is built before the system it observes.
    private let systemForEvents = SystemSlot()
    private let address: ServerAddress
    var baseURL: String { address.baseURL }

    init(
        configuration: PaymentSystemConfiguration, settlementCurrency: Currency, sender: WebhookSender,
        address: ServerAddress, seed: UInt64
    ) throws {
        self.sender = sender
        self.settlementCurrency = settlementCurrency
        self.address = address
        var configuration = configuration
        let box = systemForEvents
        let store = store
        configuration.eventObserver = { [box, store, sender, address] event in
            guard let system = box.system.withLock({ $0 }) else { return }
            Self.fanOut(event, system: system, store: store, sender: sender, baseURL: address.baseURL)
        }
        let ledgerEntries = ledgerEntries
        configuration.bookingObserver = { [ledgerEntries] payment, transfers in
            ledgerEntries.record(transfers, payment: payment, createdUnixSeconds: Self.now())
        }
        // The runtime's zero is now: its balance transactions are dated on the wall clock.
        configuration.balanceTransactionClock = UnixClock(epochOffsetSeconds: Self.now())
        system = try PaymentSystem(runtime: ConcurrentRuntime(seed: seed), configuration: configuration)
        box.system.withLock { $0 = system }
    }

    /// The configuration a Stripe double runs with: the issuers approve unless a test card
    /// says otherwise, answer fast and never time out (faults switch that on at runtime), and
    /// webhooks go to real endpoints instead of the simulated ones.
    static func quietConfiguration(rateLimitPerSecond: Int64, burst: Int64) -> PaymentSystemConfiguration {
        var configuration = PaymentSystemConfiguration()
        configuration.webhooks.enabled = false
        // Stripe's test mode does not score test cards: only its Radar test cards decline as
        // fraud, and those are scripted.
        configuration.fraudScreening = false
        for kind in CardNetworkKind.allCases {
            var behaviour = NetworkBehaviour.standard(for: kind)
            behaviour.declineRate = 0
            behaviour.fraudDeclineRate = 0
            behaviour.timeoutRate = 0
            behaviour.latencyMedian = .microseconds(200)
            behaviour.latencyMax = .milliseconds(5)
            behaviour.timeout = .seconds(2)
            configuration.networks[kind] = behaviour
        }
        configuration.rateLimit = .init(burst: burst, perSecond: rateLimitPerSecond)
        return configuration
    }

    /// Onboards a new merchant and hands out its first secret key (or registers `secretKey`).
    func onboard(secretKey: String? = nil, currency: Currency? = nil) async throws -> (MerchantID, String) {
        let merchant = MerchantID(nextMerchant.add(1, ordering: .relaxed).newValue)
        guard let key = try await system.onboard(merchant, settlementCurrency: currency ?? settlementCurrency)
        else {
            throw StripeError.internalError("merchant \(merchant) exists")
        }
        if let secretKey {
            do {
                try system.addAPIKey(secretKey, for: merchant)
            } catch {
                throw StripeError.invalid("api_key", "Not a usable secret key: keys start with sk_test_.")
            }
            keys.add(secretKey, merchant: merchant, name: "Secret key", createdUnixSeconds: Self.now())
            return (merchant, secretKey)
        }
        keys.add(key.secret, merchant: merchant, name: "Secret key", createdUnixSeconds: Self.now())
        return (merchant, key.secret)
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    private static func fanOut(
        _ event: PaymentEventSink.EmittedEvent, system: PaymentSystem, store: ObjectStore,
        sender: WebhookSender,
        baseURL: String
    ) {
        guard let record = system.paymentNow(event.payment) else { return }
        store.noteStatus(DashboardStatus(record), of: event.payment)
        let created = now()
        var object = StripeRenderer.paymentIntent(record, store.details(event.payment), baseURL: baseURL)
        if event.type.rawValue.hasPrefix("charge.dispute.") {
            store.noteDispute(event.payment, merchant: record.merchant, created: created)
            object =
                StripeRenderer.dispute(
                    record, createdUnixSeconds: store.disputeCreated(event.payment) ?? created)
                ?? object
        }
        let endpoints = store.endpoints(of: event.merchant).filter { $0.accepts(event.type.rawValue) }
        let stored = EventObject(
            id: event.id.description, type: event.type.rawValue, merchant: event.merchant,
            createdUnixSeconds: created, object: object, pendingWebhooks: endpoints.count)
        store.record(stored)
        guard !endpoints.isEmpty else { return }
        let body = Array(stored.json.serialized.utf8)
        for endpoint in endpoints {
            sender.send(
                WebhookSender.Delivery(
                    eventID: stored.id, eventType: stored.type, endpointID: endpoint.id, url: endpoint.url,
                    secret: endpoint.secret, body: body))
        }
    }
}

/// A place for the system, filled once it exists.
final class SystemSlot: Sendable {
    let system = Mutex<PaymentSystem?>(nil)
}
