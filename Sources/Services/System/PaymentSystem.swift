import Core
import Journal
import Ledger
import PaystormRuntime
import Synchronization

/// The whole processor: API gateway (keys, rate limits, idempotency), the payment
/// orchestrator and its collaborators (fraud engine, currency service, card networks and bank
/// rail, webhooks, merchants) and the ledger, all on one runtime.
///
/// The API methods answer like Stripe's HTTP API (`APIResponse`); the orchestrator underneath
/// is available for callers that play the networks' side (disputes) or the scheduler's
/// (settlement, expiry).
public final class PaymentSystem: Sendable {
    public let runtime: any Runtime
    public let configuration: PaymentSystemConfiguration
    /// Where everything the system acknowledges is made durable first: the configuration's
    /// journal, or a null port that keeps nothing.
    let paymentJournal: any PaymentJournal
    package let ledger: ShardedLedger
    package let orchestrator: PaymentOrchestrator
    package let merchants: MerchantDirectory
    package let fraud: FraudEngine
    package let networks: [PaymentNetwork: CardNetwork]
    /// The webhook dispatcher serving now (after a `service_crash`, the restarted one; while
    /// it is down, the one that will serve after the restart). Nil when webhooks are off.
    public var webhooks: WebhookDispatcher? { events.dispatcher }
    package let endpoints: [WebhookEndpoint]
    /// Builds a dispatcher as the first one was built (same configuration, the same journaling
    /// of each event's settlement): what a restart starts. Nil when webhooks are off.
    let makeDispatcher: (@Sendable () -> WebhookDispatcher)?
    package let events: PaymentEventSink
    let gateways: [APIGateway]
    /// Sheds what the system cannot serve within its time budget (one for the whole system:
    /// the total limit is the point).
    package let admission: AdmissionController
    let idempotency: [IdempotencyGate]
    let settlement: SettlementRun
    /// Open unless the system is being rebuilt from its journal (replayed transfers are not
    /// journaled a second time).
    let ledgerJournalGate: LedgerJournalGate?
    /// `merchant/key` to the payment whose work a request began before a restart, without a
    /// durable answer: the key's next request resumes that payment (taken once).
    let startedWork = Mutex<[String: PaymentID]>([:])
    /// Keys remembered at most in `startedWork` (a key is taken by its retry).
    static let startedWorkMax = 65_536
    /// What crash repair did after the restart that built this system.
    let crashRepair = Mutex(CrashRepairFigures())
    /// Crash repair running while the system serves (`recovering(crashRepairWhileServing:)`).
    let crashRepairTask = Mutex<Task<Void, Never>?>(nil)

    public convenience init(
        runtime: any Runtime, configuration: PaymentSystemConfiguration = PaymentSystemConfiguration()
    )
        throws
    {
        try self.init(runtime: runtime, configuration: configuration, ledgerJournalOpen: true, outside: nil)
    }

    /// - Parameter outside: a system whose outside parties (card networks and bank rail, the
    ///   merchants' webhook endpoints) this one talks to: they are other companies' machines
    ///   and outlive a restart of the processor.
    init(
        runtime: any Runtime, configuration: PaymentSystemConfiguration, ledgerJournalOpen: Bool,
        outside: PaymentSystem?
    ) throws {
        try configuration.validate()
        self.runtime = runtime
        self.configuration = configuration
        let paymentJournal = configuration.journal
        self.paymentJournal = paymentJournal
        // The ledger journals its applied transfers to the run's journal.
        let gate =
            paymentJournal.isDurable
            ? LedgerJournalGate(
                JournalLedgerAdapter(paymentJournal.log), open: ledgerJournalOpen, runtime: runtime)
            : nil
        ledgerJournalGate = gate
        ledger = try ShardedLedger(
            configuration: LedgerConfiguration(shardCount: configuration.ledgerShards),
            journal: gate.map { $0 as any LedgerJournal } ?? NoLedgerJournal())
        merchants = MerchantDirectory(shardCount: configuration.paymentShards)
        var fraudConfiguration = FraudEngine.Configuration()
        fraudConfiguration.rules.cardsMax = configuration.fraudCardsPerShardMax
        fraudConfiguration.thresholds = configuration.fraudThresholds
        fraudConfiguration.challenge = configuration.threeDSecure
        fraud = try FraudEngine(
            runtime: runtime, configuration: fraudConfiguration, shardCount: configuration.fraudShards)
        var networks: [PaymentNetwork: CardNetwork] = outside?.networks ?? [:]
        for kind in PaymentNetwork.allCases where networks[kind] == nil {
            networks[kind] = try CardNetwork(
                kind: kind, runtime: runtime, behaviour: configuration.networks[kind])
        }
        self.networks = networks
        let currency = try CurrencyService(runtime: runtime)
        let webhookParties = Self.webhookParties(
            configuration, runtime, settled: paymentJournal.webhookSettlementRecorder(runtime: runtime),
            outside: outside)
        makeDispatcher = webhookParties.make
        let dispatcher = webhookParties.dispatcher
        endpoints = webhookParties.endpoints
        events = PaymentEventSink(
            dispatcher: dispatcher, clock: configuration.unixClock, runtime: runtime,
            observer: configuration.eventObserver)
        orchestrator = PaymentOrchestrator(
            runtime: runtime, configuration: configuration, paymentJournal: paymentJournal, ledger: ledger,
            fraud: fraud, currency: currency,
            networks: networks, merchants: merchants, events: events)
        let bucket = try TokenBucket.Configuration(
            capacityTokens: configuration.rateLimit.burst,
            refillTokensPerSecond: configuration.rateLimit.perSecond)
        gateways = try (0..<configuration.paymentShards).map { index in
            APIGateway(
                runtime: runtime, keys: try APIKeyStore(), rateLimiter: try RateLimiter(bucket: bucket),
                stream: UInt64(index))
        }
        admission = try AdmissionController(runtime: runtime, configuration: configuration.admission)
        let keys = try IdempotencyStateMachine.Configuration(
            retention: configuration.idempotencyRetention,
            entriesMax: configuration.idempotencyKeysPerShardMax,
            answersMax: configuration.idempotencyAnswersPerShardMax)
        idempotency = (0..<configuration.paymentShards).map { _ in
            IdempotencyGate(
                store: IdempotencyStore(runtime: runtime, configuration: keys),
                ignoresKeys: configuration.plantedBug == .ignoreIdempotencyKeys)
        }
        settlement = SettlementRun(orchestrator: orchestrator, ledger: ledger, merchants: merchants)
    }

    /// The webhook dispatcher (and how to build its successor after a crash) and the merchants'
    /// endpoints, or none with webhooks off.
    /// - Parameter settled: told of each event's settlement, journaled so that recovery knows
    ///   which events are still owed (emitted by a journaled transition, never settled).
    private static func webhookParties(
        _ configuration: PaymentSystemConfiguration, _ runtime: any Runtime,
        settled: (@Sendable ([(id: EventID, deadLettered: Bool)]) async -> Void)?, outside: PaymentSystem?
    ) -> (
        make: (@Sendable () -> WebhookDispatcher)?, dispatcher: WebhookDispatcher?,
        endpoints: [WebhookEndpoint]
    ) {
        guard configuration.webhooks.enabled else { return (nil, nil, []) }
        var dispatching = WebhookDispatcher.Configuration()
        dispatching.endpointsMax = configuration.webhooks.endpointsMax
        dispatching.restartable = configuration.webhooks.restartable
        let make: @Sendable () -> WebhookDispatcher = { [dispatching, settled] in
            WebhookDispatcher(runtime: runtime, configuration: dispatching, settled: settled)
        }
        let endpoints =
            outside.map(\.endpoints).flatMap { $0.isEmpty ? nil : $0 }
            ?? (0..<configuration.webhooks.endpoints).map { index in
                WebhookEndpoint(
                    runtime: runtime,
                    configuration: WebhookEndpoint.Configuration(
                        secret: Self.endpointSecret(index, seed: runtime.seed),
                        failureProbability: configuration.webhooks.failureProbability,
                        latencyMedian: configuration.webhooks.latencyMedian,
                        seenEventsMax: configuration.webhooks.seenEventsPerEndpointMax),
                    random: runtime.randomStream("webhook-endpoint", UInt64(index)))
            }
        return (make, make(), endpoints)
    }

    // MARK: Merchants

    /// Onboards a merchant (or returns nil if it exists): its API key, settlement currency and
    /// webhook endpoint.
    public func onboard(_ merchant: MerchantID, settlementCurrency: Currency) async throws -> APIKey? {
        // Merchants that share a simulated endpoint share its secret (one server, one secret).
        let endpointIndex = endpoints.isEmpty ? 0 : Int(merchant.rawValue % UInt64(endpoints.count))
        let secret = Self.endpointSecret(endpointIndex, seed: runtime.seed)
        // The endpoint is registered first: registering can fail (a full endpoint table) and
        // must then leave no merchant behind, or the merchant would exist without a key and
        // every later onboarding would answer "exists". Registering a merchant that turns out
        // to exist already re-registers the endpoint and secret it has.
        if let webhooks {
            try webhooks.register(endpoints[endpointIndex], secret: secret, for: merchant)
        }
        let (_, created) = merchants.shard(merchant).account(merchant) {
            MerchantAccount(id: merchant, settlementCurrency: settlementCurrency, webhookSecret: secret)
        }
        guard created else { return nil }
        // The onboarding is durable before the key is handed out. If the
        // journal refuses it, the account is forgotten again: the client retries the onboarding.
        do {
            try await paymentJournal.onboarding(
                merchant, settlementCurrency: settlementCurrency, now: runtime.now())
        } catch {
            merchants.shard(merchant).remove(merchant)
            throw error
        }
        return try await issueJournaledKey(for: merchant)
    }

    /// Hands an existing merchant one more API key (Stripe lets a merchant hold several), or nil
    /// for a merchant never onboarded. A client that lost its key in a crash (the answer to its
    /// onboarding never came) gets one this way.
    public func issueAPIKey(for merchant: MerchantID) async throws -> APIKey? {
        guard await merchants.account(merchant) != nil else { return nil }
        return try await issueJournaledKey(for: merchant)
    }

    /// The key's hash is durable before the key is handed out, so that a
    /// recovered system still accepts it.
    private func issueJournaledKey(for merchant: MerchantID) async throws -> APIKey {
        let key = try gateway(merchant).issueKey(for: merchant)
        do {
            try await paymentJournal.keyIssued(key.hash, for: merchant)
        } catch {
            // Not durable, so not valid: a recovered system would refuse it.
            _ = gateway(merchant).revoke(key)
            throw error
        }
        return key
    }

    static func endpointSecret(_ index: Int, seed: UInt64) -> String {
        "whsec_" + String(PaymentOrchestrator.hash("\(seed)/\(index)"), radix: 16)
    }

    // MARK: The API

    /// `POST /v1/payment_intents` with `confirm=true`, optionally with an `Idempotency-Key`.
    public func createPayment(
        _ request: PaymentRequest, apiKey: String, idempotencyKey: String? = nil,
        rendering: APIRendering = .compact
    ) async -> APIResponse {
        // Sorted by name, as the fingerprint reads them.
        let parameters = [
            (key: "amount", value: String(request.amount.minorUnits)),
            (key: "capture_method", value: request.captureMethod == .automatic ? "automatic" : "manual"),
            (key: "currency", value: request.amount.currency.code),
            (key: "payment_method", value: request.method.description),
        ]
        return await call(
            .createPayment, merchant: request.merchant, apiKey: apiKey, idempotencyKey: idempotencyKey,
            fingerprint: RequestFingerprint(
                method: "POST", path: "/v1/payment_intents", sortedParameters: parameters),
            rendering: rendering, resumingCreate: request.captureMethod == .automatic
        ) { [orchestrator] () async throws(PaymentServiceError) -> PaymentRecord in
            try await orchestrator.create(request, opened: rendering.opened)
        }
    }

    /// `POST /v1/payment_intents/:id/capture`.
    public func capture(
        _ id: PaymentID, amountMinorUnits: Int64? = nil, merchant: MerchantID, apiKey: String,
        idempotencyKey: String? = nil, rendering: APIRendering = .compact
    ) async -> APIResponse {
        await call(
            .capture, merchant: merchant, apiKey: apiKey, idempotencyKey: idempotencyKey,
            fingerprint: RequestFingerprint(
                method: "POST", path: "/v1/payment_intents/\(id)/capture",
                sortedParameters: [
                    (key: "amount_to_capture", value: amountMinorUnits.map { String($0) } ?? "")
                ]), rendering: rendering
        ) { [orchestrator] () async throws(PaymentServiceError) -> PaymentRecord in
            try await orchestrator.ownedBy(merchant, id)
            return try await orchestrator.capture(id, amountMinorUnits: amountMinorUnits)
        }
    }

    /// `POST /v1/payment_intents/:id/cancel`.
    public func cancel(
        _ id: PaymentID, merchant: MerchantID, apiKey: String, idempotencyKey: String? = nil,
        rendering: APIRendering = .compact
    ) async
        -> APIResponse
    {
        await call(
            .cancel, merchant: merchant, apiKey: apiKey, idempotencyKey: idempotencyKey,
            fingerprint: RequestFingerprint(
                method: "POST", path: "/v1/payment_intents/\(id)/cancel", sortedParameters: []),
            rendering: rendering
        ) { [orchestrator] () async throws(PaymentServiceError) -> PaymentRecord in
            try await orchestrator.ownedBy(merchant, id)
            return try await orchestrator.void(id)
        }
    }

    /// `POST /v1/refunds`.
    public func refund(
        _ id: PaymentID, amountMinorUnits: Int64, merchant: MerchantID, apiKey: String,
        idempotencyKey: String? = nil, rendering: APIRendering = .compact
    ) async -> APIResponse {
        await call(
            .refund, merchant: merchant, apiKey: apiKey, idempotencyKey: idempotencyKey,
            fingerprint: RequestFingerprint(
                method: "POST", path: "/v1/refunds",
                sortedParameters: [
                    (key: "amount", value: String(amountMinorUnits)),
                    (key: "payment_intent", value: id.description),
                ]), rendering: rendering
        ) { [orchestrator] () async throws(PaymentServiceError) -> PaymentRecord in
            try await orchestrator.ownedBy(merchant, id)
            return try await orchestrator.refund(id, amountMinorUnits: amountMinorUnits)
        }
    }

    /// `POST /v1/disputes/:id` with `submit=true`: the merchant answers the dispute on its
    /// payment with evidence (an inquiry goes to `warning_under_review`, a chargeback to
    /// `under_review`). Answers with the payment, like the other calls here.
    public func submitDisputeEvidence(
        _ id: PaymentID, merchant: MerchantID, apiKey: String, idempotencyKey: String? = nil
    ) async -> APIResponse {
        await call(
            .submitDisputeEvidence, merchant: merchant, apiKey: apiKey, idempotencyKey: idempotencyKey,
            fingerprint: RequestFingerprint(
                method: "POST", path: "/v1/disputes/dp_\(id)",
                sortedParameters: [(key: "submit", value: "true")])
        ) { [orchestrator] () async throws(PaymentServiceError) -> PaymentRecord in
            try await orchestrator.ownedBy(merchant, id)
            return try await orchestrator.submitDisputeEvidence(id)
        }
    }

    /// Answers `apiOperation` and, with a journal, makes the answer durable
    /// before returning it (journal before acknowledge), so that recovery knows every payment a
    /// client was told about.
    ///
    /// Authenticates, rate-limits and admits before anything else, in this function's small
    /// frame, and only an admitted request enters `answer`: a task keeps the stack memory of its
    /// deepest call until it ends (the task allocator keeps its slabs for reuse), and under
    /// overload most requests are refused (429) and their clients wait to retry in the same
    /// task. Refused at the door, they never reach the deep frames of the work (the answer's
    /// closure alone is about 11 KB), so a client waiting out a `Retry-After` keeps none of them.
    /// - Parameter automaticCapture: for a create, what resuming its payment after a restart
    ///   captures (see `resumeCreate`); nil for the other calls, whose resumed payment answers
    ///   with its record.
    func call(
        _ apiOperation: APIOperation, merchant: MerchantID, apiKey: String, idempotencyKey: String?,
        fingerprint: RequestFingerprint, rendering: APIRendering = .compact,
        resumingCreate automaticCapture: Bool? = nil,
        _ operation: () async throws(PaymentServiceError) -> PaymentRecord
    ) async -> APIResponse {
        do {
            try gateway(merchant).admit(apiKey: apiKey, for: merchant)
        } catch {
            return .error(error)
        }
        do {
            try await admission.admit(merchant)
        } catch {
            return .error(error)
        }
        defer { admission.release(merchant) }
        return await answer(
            apiOperation, merchant: merchant, idempotencyKey: idempotencyKey, fingerprint: fingerprint,
            rendering: rendering, resumingCreate: automaticCapture, operation)
    }

    /// An admitted request's answer, made durable before it is returned. Never inlined into
    /// `call`: its frames are what a refused request must not allocate.
    ///
    /// The operation is a non-escaping closure, and so is every step between here and the
    /// idempotency gate (local functions, not closures kept in constants): each escaping
    /// closure's context was an allocation of its own on every request.
    @inline(never)
    private func answer(
        _ apiOperation: APIOperation, merchant: MerchantID, idempotencyKey: String?,
        fingerprint: RequestFingerprint, rendering: APIRendering, resumingCreate automaticCapture: Bool?,
        _ operation: () async throws(PaymentServiceError) -> PaymentRecord
    ) async -> APIResponse {
        // After a restart, a key whose request had begun work (a journaled transition) without a
        // durable answer resumes that payment: never a second one. Taken inside the operation,
        // that is after the idempotency gate reserved the key, so one retry takes it.
        // A create the journal refused part-way left its payment in memory as the journal shows
        // it: the key's retry resumes that payment the same way.
        func work() async throws(PaymentServiceError) -> PaymentRecord {
            do throws(PaymentServiceError) {
                // The scoped key is made only when some work is waiting to be resumed (never
                // but after a restart or a refused journal append), not on every request.
                guard let idempotencyKey,
                    let id = startedWork.withLock({ started in
                        started.isEmpty ? nil : started.removeValue(forKey: "\(merchant)/\(idempotencyKey)")
                    })
                else {
                    return try await operation()
                }
                if let automaticCapture {
                    return try await orchestrator.resumeCreate(id, automaticCapture: automaticCapture)
                }
                return try await orchestrator.record(id)
            } catch {
                if case .journalUnavailable(let id, _) = error, automaticCapture != nil, let idempotencyKey {
                    let scoped = "\(merchant)/\(idempotencyKey)"
                    startedWork.withLock {
                        if $0.count < Self.startedWorkMax { $0[scoped] = id }
                    }
                }
                throw error
            }
        }
        return await paymentJournal.acknowledging(
            apiOperation, idempotencyKey: idempotencyKey, system: self
        ) {
            await behindIdempotencyGate(
                merchant: merchant, idempotencyKey: idempotencyKey, fingerprint: fingerprint,
                rendering: rendering, work)
        }
    }

    /// Runs `operation` behind the idempotency gate (without a key, runs it).
    private func behindIdempotencyGate(
        merchant: MerchantID, idempotencyKey: String?, fingerprint: RequestFingerprint,
        rendering: APIRendering, _ operation: () async throws(PaymentServiceError) -> PaymentRecord
    ) async -> APIResponse {
        ProcessorMetrics.apiRequestsInFlight.increment()
        defer { ProcessorMetrics.apiRequestsInFlight.decrement() }
        func run() async -> IdempotentOutcome {
            do throws(PaymentServiceError) {
                return .completed(await rendering.success(try await operation()).stored)
            } catch {
                let response = await rendering.failure(error)
                // Validation failures did no work: not stored, so the client may fix and retry.
                if case .invalidRequest = error { return .rejectedBeforeWork(response.stored) }
                if case .invalidAmount = error { return .rejectedBeforeWork(response.stored) }
                if case .amountTooSmall = error { return .rejectedBeforeWork(response.stored) }
                if case .amountTooLarge = error { return .rejectedBeforeWork(response.stored) }
                if case .unknownMerchant = error { return .rejectedBeforeWork(response.stored) }
                if error.isRetryable { return .retryableFailure(response.stored) }
                return .completed(response.stored)
            }
        }
        guard let idempotencyKey else {
            switch await run() {
            case .completed(let stored), .rejectedBeforeWork(let stored), .retryableFailure(let stored):
                return APIResponse(stored, replayed: false)
            }
        }
        do {
            let key = try IdempotencyKey(merchant: merchant, value: idempotencyKey)
            let gate = idempotency[Int(key.descriptionHash % UInt64(idempotency.count))]
            switch try await gate.perform(key: key, fingerprint: fingerprint, operation: { await run() }) {
            case .executed(let stored), .rejected(let stored): return APIResponse(stored, replayed: false)
            case .replayed(let stored): return APIResponse(stored, replayed: true)
            }
        } catch {
            return .error(error)
        }
    }

    func gateway(_ merchant: MerchantID) -> APIGateway {
        gateways[Int(merchant.rawValue % UInt64(gateways.count))]
    }

    // MARK: Scheduled work

    /// Settles captured payments and pays out merchants (one day's run).
    public func runDailySettlement() async -> SettlementSummary {
        await settlement.run()
    }

    /// Applies the bank rail's returns that are due (the daily settlement does this first).
    public func processBankReturns() async -> Int {
        await orchestrator.processBankReturns()
    }

    /// Every network's settlement file of `day`, from the networks' own records.
    public func settlementFiles(day: Int64) async -> [SettlementFile] {
        var files: [SettlementFile] = []
        for kind in PaymentNetwork.allCases {
            if let network = networks[kind] { files.append(network.settlementFile(for: day)) }
        }
        return files
    }

    /// Reconciles the ledger against every settlement file the networks hold (see
    /// `SettlementReconciliation`); obligations owed to the networks and not yet confirmed are
    /// reported as mismatches too. Meaningful when no payment is in flight.
    public func reconcileSettlement() async -> SettlementReconciliation {
        var files: [SettlementFile] = []
        for kind in PaymentNetwork.allCases {
            guard let network = networks[kind] else { continue }
            for day in network.settlementDays { files.append(network.settlementFile(for: day)) }
        }
        var book = NetworkMovementBook(linesPerDayMax: 1, daysRetained: 1)
        for shardBook in orchestrator.movementBooks { book.merge(shardBook.withLock { $0 }) }
        var reconciliation = SettlementReconciliation.reconcile(
            files: files, book: book, balances: await ledger.allBalances())
        // A movement the ledger holds and the network has not confirmed is in neither side's
        // lines yet: without this it would reconcile by being absent from both.
        let (owed, examples) = orchestrator.networkObligations.withLock { ($0.count, $0.payments.prefix(3)) }
        if owed > 0 {
            reconciliation.accountMismatches.append(
                "\(owed) obligations owed to the networks and not confirmed (payments "
                    + "\(examples.map(\.description).joined(separator: ", ")))")
        }
        return reconciliation
    }

    /// The reconciliation's mismatches that nothing explains: not the payments whose movement
    /// the network never acknowledged (it was down: booked, missing from its file), nor bank
    /// returns the rail has filed that are not due yet (the ledger books a return when it is
    /// applied). What is left is a real discrepancy. Meaningful when no payment is in flight,
    /// and only for a system that did not restart (the movement book is not journaled).
    public func unexplainedSettlementMismatches(
        _ reconciliation: SettlementReconciliation
    ) async -> [SettlementMismatch] {
        let unreported = orchestrator.networkUnreported.withLock { $0 }
        let returnsNotDue = networks[.bankRail]?.returnsNotDue() ?? []
        return Self.unexplained(
            reconciliation.mismatches, unreported: unreported, returnsNotDue: returnsNotDue)
    }

    /// The mismatches that neither a movement the network never acknowledged nor a bank return
    /// filed but not yet due explains, judged on every payment of each mismatch.
    static func unexplained(
        _ mismatches: [SettlementMismatch], unreported: Set<PaymentID>, returnsNotDue: Set<PaymentID>
    ) -> [SettlementMismatch] {
        mismatches.filter { mismatch in
            // Every payment of the mismatch, not the list cut for the report: a day of bank
            // returns not yet due names more payments than a report lists.
            !mismatch.allPaymentIDs.allSatisfy {
                unreported.contains($0) || (mismatch.movement == .returned && returnsNotDue.contains($0))
            }
        }
    }

    /// Cancels authorizations past their validity.
    public func expireStaleAuthorizations() async -> Int {
        await orchestrator.expireStaleAuthorizations()
    }

    public var counters: OrchestratorCounters { orchestrator.counters.withLock { $0 } }
}

extension PaymentOrchestrator {
    /// A merchant may act only on its own payments (Stripe answers 404 for another account's).
    func ownedBy(_ merchant: MerchantID, _ id: PaymentID) async throws(PaymentServiceError) {
        guard let record = await payment(id), record.merchant == merchant else { throw .paymentNotFound(id) }
    }
}
