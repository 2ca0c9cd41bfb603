import Core
import Foundation
import Journal
import Ledger
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
    /// Each payment's network answers, 3-D Secure steps and events in order, for its timeline.
    let timeline = PaymentTimelineLog()
    let sender: WebhookSender
    let settlementCurrency: Currency
    /// Where the API's own objects are journaled, beside the processor's records; nil: memory
    /// only.
    let journal: ServerJournal?
    let nextMerchant = Atomic<UInt64>(0)
    /// The parameters each idempotency key answered before a restart was sent with, by
    /// `merchant/key` (filled once, by `restore`).
    let restoredKeys = Mutex<[String: RestoredKey]>([:])
    /// The system, for the event observer, which is built before the system it observes.
    private let systemForEvents = SystemSlot()
    private let address: ServerAddress
    var baseURL: String { address.baseURL }

    /// A processor with nothing in it (or, with `journal`, one that journals from the start).
    convenience init(
        configuration: PaymentSystemConfiguration, settlementCurrency: Currency, sender: WebhookSender,
        address: ServerAddress, seed: UInt64, journal: ServerJournal? = nil
    ) async throws {
        try await self.init(
            configuration: configuration, settlementCurrency: settlementCurrency, sender: sender,
            address: address, journal: journal
        ) { configuration in
            try PaymentSystem(runtime: ConcurrentRuntime(seed: seed), configuration: configuration)
        }
    }

    /// The processor and the API's objects as `journal` left them: the processor recovers its
    /// payments, merchants, keys and ledger; the API's records bring back what it said about
    /// them (intents' own fields, refunds, disputes, endpoints, events, idempotent answers).
    /// Intents a client was last told wait for it stay waiting.
    static func resuming(
        configuration: PaymentSystemConfiguration, settlementCurrency: Currency, sender: WebhookSender,
        address: ServerAddress, seed: UInt64, journal: ServerJournal
    ) async throws -> ServerBackend {
        var fold = ServedObjectsFold()
        var merchantIDMax: UInt64 = 0
        var emitted: [PendingWebhook] = []
        for try await entry in journal.journal.entries() where entry.record.type == ServerRecord.recordType {
            fold.apply(try entry.record.decode(ServerRecord.self))
        }
        let served = fold.served(nowUnixNanoseconds: Int64(Date().timeIntervalSince1970 * 1e9))
        let backend = try await ServerBackend(
            configuration: configuration, settlementCurrency: settlementCurrency, sender: sender,
            address: address, journal: journal
        ) { configuration in
            let (system, recovered) = try await PaymentSystem.recovering(
                runtime: ConcurrentRuntime(seed: seed), configuration: configuration, served: served)
            merchantIDMax = recovered.merchants.keys.map(\.rawValue).max() ?? 0
            emitted = recovered.pendingWebhooks
            return system
        }
        try backend.restore(fold)
        backend.redeliverOwed(fold)
        try await backend.emitUnrecorded(emitted, recorded: fold)
        backend.nextMerchant.store(merchantIDMax, ordering: .relaxed)
        return backend
    }

    private init(
        configuration: PaymentSystemConfiguration, settlementCurrency: Currency, sender: WebhookSender,
        address: ServerAddress, journal: ServerJournal?,
        build: (PaymentSystemConfiguration) async throws -> PaymentSystem
    ) async throws {
        self.sender = sender
        self.settlementCurrency = settlementCurrency
        self.address = address
        self.journal = journal
        var configuration = configuration
        configuration.journal = journal.map { DurablePaymentJournal($0.journal) } ?? NullPaymentJournal()
        let box = systemForEvents
        let store = store
        let timeline = timeline
        configuration.eventObserver = { [box, store, sender, address, journal, timeline] event in
            guard let system = box.system.withLock({ $0 }) else { return }
            timeline.record(.event(event.id.description), payment: event.payment)
            Self.fanOut(
                eventID: event.id.description, type: event.type.rawValue, payment: event.payment,
                merchant: event.merchant, system: system, store: store, sender: sender,
                baseURL: address.baseURL, journal: journal)
        }
        configuration.authorizationObserver = { [timeline] payment, result, waited in
            let microseconds = waited / .microseconds(1)
            timeline.record(
                .network(
                    result, latencyMicroseconds: Int64(microseconds.rounded()), createdUnixSeconds: Self.now()
                ),
                payment: payment)
        }
        let ledgerEntries = ledgerEntries
        configuration.bookingObserver = { [ledgerEntries] payment, transfers in
            ledgerEntries.record(transfers, payment: payment, createdUnixSeconds: Self.now())
        }
        system = try await build(configuration)
        box.system.withLock { $0 = system }
    }

    /// The configuration a Stripe double runs with: the issuers approve unless a test card
    /// says otherwise, answer fast and never time out (faults switch that on at runtime), and
    /// webhooks go to real endpoints instead of the simulated ones.
    /// - Parameter idempotencyAnswersMax: answers kept to replay across the idempotency stores.
    static func quietConfiguration(
        rateLimitPerSecond: Int64, burst: Int64,
        idempotencyAnswersMax: Int = PaystormServer.Options.idempotencyAnswersMaxDefault
    ) -> PaymentSystemConfiguration {
        var configuration = PaymentSystemConfiguration()
        let stores = configuration.paymentShards
        configuration.idempotencyAnswersPerShardMax = max(1, (idempotencyAnswersMax + stores - 1) / stores)
        configuration.webhooks.enabled = false
        // The processor's `created` stamps in Unix time: the server runs on the wall clock.
        configuration.unixClock = UnixClock(epochOffsetSeconds: now())
        // Stripe's test mode does not score test cards: only its Radar test cards decline as
        // fraud, and those are scripted.
        configuration.fraudScreening = false
        for kind in PaymentNetwork.allCases {
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
                try await system.addAPIKey(secretKey, for: merchant)
            } catch let error as JournalError {
                throw StripeError.internalError("the key could not be made durable: \(error)")
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

    static func fanOut(
        eventID: String, type: String, payment: PaymentID, merchant: MerchantID, system: PaymentSystem,
        store: ObjectStore, sender: WebhookSender, baseURL: String, journal: ServerJournal?
    ) {
        guard let record = system.paymentNow(payment) else { return }
        store.note(record)
        let created = now()
        var dispute: JSON?
        if type.hasPrefix("charge.dispute.") {
            if store.noteDispute(payment, merchant: record.merchant, created: created) {
                journal?.note(
                    ServerRecord(
                        .dispute,
                        ServerRecord.DisputeImage(
                            paymentID: payment.rawValue, merchantID: record.merchant.rawValue,
                            createdUnixSeconds: created)))
            }
            dispute = StripeRenderer.dispute(
                record, createdUnixSeconds: store.disputeCreated(payment) ?? created)
        }
        // A payment's events in one call see the same record: they share one rendering, and
        // the call's answer reads it too.
        let object = dispute ?? store.paymentIntent(record, baseURL: baseURL)
        let endpoints = store.endpoints(of: merchant).filter { $0.accepts(type) }
        let stored = EventObject(
            id: eventID, type: type, merchant: merchant,
            createdUnixSeconds: created, object: object, pendingWebhooks: endpoints.count,
            paymentIntentID: payment.description)
        store.record(stored)
        journal?.note(.event(stored, endpointIDs: endpoints.map(\.id)))
        guard !endpoints.isEmpty else { return }
        let body = stored.serializedBytes
        for endpoint in endpoints {
            sender.send(
                WebhookSender.Delivery(
                    eventID: stored.id, eventType: stored.type, endpointID: endpoint.id, url: endpoint.url,
                    secret: endpoint.secret, body: body))
        }
    }
}

/// An idempotency key's first answer as a resumed server found it journaled.
struct RestoredKey: Sendable {
    var parametersSHA256Hex: String
    var answeredUnixNanoseconds: Int64
}

/// A place for the system, filled once it exists.
final class SystemSlot: Sendable {
    let system = Mutex<PaymentSystem?>(nil)
}
