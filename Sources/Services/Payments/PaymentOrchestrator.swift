import Core
import Ledger
import PaystormRuntime
import Synchronization

/// Runs payments through their lifecycle: fraud screening (and 3-D Secure), routing to a card
/// network or the bank rail, authorization (and, after a timeout, inquiry or reversal: never a
/// blind retry), capture (full or partial, with the FX rate locked at capture), void, expiry,
/// refunds, disputes and settlement, booking every movement of money in the ledger.
///
/// The pattern in every operation: apply the state machine's transition in the payment's shard
/// *first* (that is the reservation: a second, concurrent command sees the new state and is
/// refused), then await the outside world, then book. State read before an await is never
/// trusted after it.
package final class PaymentOrchestrator: Sendable {
    let runtime: any Runtime
    let configuration: PaymentSystemConfiguration
    /// Where every step is made durable before anyone hears of it (a null port keeps nothing).
    let paymentJournal: any PaymentJournal
    let shards: [PaymentShard]
    /// Each merchant's payments held, for listing them.
    let merchantIndex: MerchantPaymentIndex
    let ledger: ShardedLedger
    let fraud: FraudEngine
    let currency: CurrencyService
    let networks: [PaymentNetwork: CardNetwork]
    let merchants: MerchantDirectory
    let events: PaymentEventSink
    let nextPaymentID = Atomic<UInt64>(0)
    let counters = Mutex(OrchestratorCounters())
    /// The ledger's movements on the network accounts, one book per payment shard (so that
    /// bookings on different shards do not contend), for the settlement reconciliation.
    let movementBooks: [LockedMovementBook]
    /// Payments with a movement of money the network refused for good (not for being down: that
    /// is retried until confirmed): booked in the ledger, missing from the network's file, and
    /// counted (`networkObligationsRefused`). The settlement reconciliation explains a missing
    /// line by this, and by nothing else.
    let networkUnreported = Mutex(Set<PaymentID>())
    /// Every merchant balance movement as a balance transaction (nil when nothing asks for
    /// them: neither kept nor exported).
    let balanceTransactions: BalanceTransactionLog?
    /// What the networks are owed and have not confirmed (see `NetworkObligation`).
    let networkObligations = Mutex(NetworkObligations())
    static let networkUnreportedMax = 65_536
    /// Payments whose issuer asked for 3-D Secure, waiting for the customer's answer over the
    /// API, with the request that resumes them.
    let awaitingAuthentication = Mutex<[PaymentID: PaymentRequest]>([:])
    static let awaitingAuthenticationMax = 100_000

    init(
        runtime: any Runtime, configuration: PaymentSystemConfiguration, paymentJournal: any PaymentJournal,
        ledger: ShardedLedger, fraud: FraudEngine, currency: CurrencyService,
        networks: [PaymentNetwork: CardNetwork],
        merchants: MerchantDirectory, events: PaymentEventSink
    ) {
        self.runtime = runtime
        self.configuration = configuration
        self.paymentJournal = paymentJournal
        let merchantIndex = MerchantPaymentIndex(shardCount: configuration.paymentShards)
        self.merchantIndex = merchantIndex
        shards = (0..<configuration.paymentShards).map {
            PaymentShard(index: $0, merchantIndex: merchantIndex)
        }
        // Each shard's book holds its share of a network's daily lines: together the books
        // hold what the networks' files hold, not `paymentShards` times as much.
        let shardCount = configuration.paymentShards
        movementBooks = (0..<shardCount).map { _ in
            let behaviours = PaymentNetwork.allCases.map { configuration.behaviour(of: $0) }
            let linesPerDay = behaviours.map(\.settlementLinesPerDayMax).max() ?? 1
            return LockedMovementBook(
                NetworkMovementBook(
                    linesPerDayMax: (linesPerDay + shardCount - 1) / shardCount,
                    daysRetained: behaviours.map(\.settlementDaysRetained).max() ?? 1))
        }
        balanceTransactions =
            configuration.balanceTransactionsRetainedMax > 0 || configuration.balanceTransactionSink != nil
            ? BalanceTransactionLog(
                retainedMax: configuration.balanceTransactionsRetainedMax,
                sink: configuration.balanceTransactionSink)
            : nil
        self.ledger = ledger
        self.fraud = fraud
        self.currency = currency
        self.networks = networks
        self.merchants = merchants
        self.events = events
    }

    func shard(_ id: PaymentID) -> PaymentShard { shards[Int(id.rawValue % UInt64(shards.count))] }

    public func payment(_ id: PaymentID) async -> PaymentRecord? { shard(id).record(id) }

    /// Every payment's record, shard by shard (for the end-of-run invariant checks).
    public func allPayments() async -> [PaymentRecord] {
        var all: [PaymentRecord] = []
        for shard in shards { all += shard.allRecords() }
        return all
    }

    // MARK: Create, screen, authorize

    /// Creates and confirms a payment: screening, authorization and (for automatic capture)
    /// capture. Returns the payment as it stands; a decline is a thrown `cardDeclined` (the
    /// payment exists, failed, and its events were emitted).
    /// - Parameter opened: called with the payment as soon as it exists, before its events.
    public func create(
        _ request: PaymentRequest, opened: (@Sendable (PaymentRecord) -> Void)? = nil
    ) async throws(PaymentServiceError) -> PaymentRecord {
        let id = try await openPayment(request, opened: opened)
        return try await proceed(id, request)
    }

    /// Creates a payment without confirming it (Stripe's PaymentIntent before `confirm`): the
    /// record exists in `created`, its creation event is out; nothing is screened or authorized.
    /// The payment is durable before its creation event goes out: no transition will journal
    /// it until it is confirmed, and its client is told it exists.
    public func open(
        _ request: PaymentRequest, opened: (@Sendable (PaymentRecord) -> Void)? = nil
    ) async throws(PaymentServiceError) -> PaymentID {
        try await openPayment(request, journalsCreation: true, opened: opened)
    }

    /// - Parameter journalsCreation: journal the created payment before its creation event is
    ///   emitted (an intent that waits for confirmation); otherwise its first transition carries
    ///   it.
    /// - Parameter opened: called with the payment as soon as it exists, before its events.
    private func openPayment(
        _ request: PaymentRequest, journalsCreation: Bool = false,
        opened: (@Sendable (PaymentRecord) -> Void)? = nil
    ) async throws(PaymentServiceError) -> PaymentID {
        guard let merchant = await merchants.account(request.merchant) else {
            throw .unknownMerchant(request.merchant)
        }
        guard request.amount.isStripeCompatible else {
            throw .invalidRequest("amount \(request.amount) is not valid for \(request.amount.currency)")
        }
        try await checkChargeLimits(request.amount, settlement: merchant.settlementCurrency)
        let payment: Payment
        do {
            payment = try Payment(amount: request.amount)
        } catch {
            throw .invalidRequest(error.description)
        }
        let (network, fingerprint) = Self.route(request.method)
        _ = try Self.fraudInput(request, fingerprint: fingerprint)
        let id = PaymentID(nextPaymentID.add(1, ordering: .relaxed).newValue)
        let shard = shard(id)
        let parties = PaymentBookkeeping.Parties(
            merchant: request.merchant, network: network, presentment: request.amount.currency,
            settlement: merchant.settlementCurrency)
        var card: JournaledCardFields?
        if case .card(let method) = request.method {
            card = JournaledCardFields(method, fingerprint: fingerprint)
        }
        shard.insert(
            PaymentRecord(
                id: id, merchant: request.merchant, payment: payment, network: network, parties: parties,
                createdAt: runtime.now(), isFraudulentTruth: request.isFraudulentTruth,
                fingerprint: fingerprint, card: card))
        if journalsCreation, let record = shard.record(id) {
            do throws(PaymentServiceError) {
                try await paymentJournal.opening(record, now: runtime.now())
            } catch {
                // Not durable, so it never existed: the client retries.
                _ = shard.remove(id)
                throw error
            }
        }
        if let opened, let record = shard.record(id) { opened(record) }
        merchants.shard(request.merchant).recordPayment(request.merchant)
        // The creation event goes out once a journal record shows the payment: its opening
        // here, or (a payment confirmed at once) its first transition, which `PaymentProcess`
        // emits it with. Without durability there is nothing to wait for.
        if journalsCreation || !paymentJournal.isDurable {
            shard.update(id) { $0.isCreationEventEmitted = true }
            events.emit(
                PaymentProcess.creationEvents, for: id, merchant: request.merchant, amount: request.amount,
                firstIndex: 0)
        }
        return id
    }

    /// Screens, authorizes and (for automatic capture) captures an opened payment.
    private func proceed(
        _ id: PaymentID, _ request: PaymentRequest, route: PaymentProcess.Route? = nil
    ) async throws(PaymentServiceError) -> PaymentRecord {
        try await run(
            .confirm(
                requiresAuthentication: request.requiresAuthentication,
                capturesAutomatically: request.captureMethod == .automatic, route: route),
            id, request: request)
    }

    /// What the fraud engine screens of `request`; a value out of its range is the request's
    /// error.
    static func fraudInput(
        _ request: PaymentRequest, fingerprint: UInt64
    ) throws(PaymentServiceError) -> FraudInput {
        do {
            return try FraudInput(
                fingerprint: fingerprint, amount: request.amount, country: request.customerCountry,
                deviceID: request.deviceID, isFraudulentTruth: request.isFraudulentTruth)
        } catch {
            throw .invalidRequest("\(error)")
        }
    }

    /// Confirms a payment `open` created, with the request as it stands at confirmation (the
    /// payment method may have been given only now). Refused unless the payment is untouched.
    public func confirm(
        _ id: PaymentID, _ request: PaymentRequest
    ) async throws(PaymentServiceError)
        -> PaymentRecord
    {
        let (network, fingerprint) = Self.route(request.method)
        _ = try Self.fraudInput(request, fingerprint: fingerprint)
        let card: JournaledCardFields? =
            if case .card(let method) = request.method {
                JournaledCardFields(method, fingerprint: fingerprint)
            } else {
                nil
            }
        return try await proceed(
            id, request, route: PaymentProcess.Route(network: network, fingerprint: fingerprint, card: card))
    }

    /// The customer's answer to a 3-D Secure challenge the issuer asked for: authenticated, the
    /// payment is authorized (and captured, for automatic capture); failed, it is declined.
    public func completeAuthentication(
        _ id: PaymentID, succeeded: Bool
    ) async throws(PaymentServiceError) -> PaymentRecord {
        guard let request = awaitingAuthentication.withLock({ $0.removeValue(forKey: id) }) else {
            _ = try await record(id)
            throw .invalidRequest("payment \(id) is not waiting for customer authentication")
        }
        return try await run(
            .authenticated(succeeded, capturesAutomatically: request.captureMethod == .automatic), id,
            request: request)
    }

    /// Stripe's minimum and maximum charge amounts (`ChargeLimits`): the amount in its own
    /// currency, and its value in the settlement currency at the current mid-market rate, which
    /// must meet the settlement currency's minimum (so that no capture converts to nothing).
    func checkChargeLimits(_ amount: Money, settlement: Currency) async throws(PaymentServiceError) {
        let maximum = ChargeLimits.maximum(amount.currency)
        guard amount.minorUnits <= maximum.minorUnits else { throw .amountTooLarge(amount, maximum: maximum) }
        let minimum = ChargeLimits.minimum(amount.currency)
        guard amount.minorUnits >= minimum.minorUnits else { throw .amountTooSmall(amount, minimum: minimum) }
        guard settlement != amount.currency else { return }
        let rate = currency.midMarketRate(from: amount.currency, to: settlement)
        let settlementMinimum = ChargeLimits.minimum(settlement)
        // Rounded down: an amount that only rounding lifts to the minimum is below it.
        guard let value = try? rate.convert(amount, rounding: .down),
            value.minorUnits >= settlementMinimum.minorUnits
        else {
            throw .amountTooSmall(amount, minimum: settlementMinimum)
        }
    }

    // MARK: Capture, void, expire

    /// Captures an authorized payment, in full (`nil`) or in part; the rest of the hold is
    /// released. Locks the FX rate when the merchant settles in another currency.
    @discardableResult
    public func capture(
        _ id: PaymentID, amountMinorUnits: Int64?
    ) async throws(PaymentServiceError) -> PaymentRecord {
        try await run(.capture(amountMinorUnits: amountMinorUnits), id)
    }

    /// Cancels an authorized (or not yet authorized) payment: the hold is released.
    @discardableResult
    public func void(_ id: PaymentID) async throws(PaymentServiceError) -> PaymentRecord {
        try await run(.cancel, id)
    }

    /// Cancels authorizations older than the validity (7 days by default); returns how many.
    ///
    /// Up to `expiriesConcurrentMax` at once: each waits for the network's reversal, so one
    /// at a time would let a busy system's expiries fall behind their deadline.
    public func expireStaleAuthorizations() async -> Int {
        let deadline = SimTime(
            nanoseconds: runtime.now().nanoseconds - configuration.authorizationValidity.nanoseconds)
        let stale = shards.flatMap { $0.authorizedBefore(deadline) }
        return await withTaskGroup(of: Bool.self) { group in
            var expired = 0
            var running = 0
            for id in stale {
                if running == Self.expiriesConcurrentMax {
                    if await group.next() == true { expired += 1 }
                    running -= 1
                }
                // Re-checked inside the transition: a capture may have won the race.
                group.addTask { (try? await self.run(.authorizationExpired, id)) != nil }
                running += 1
            }
            for await one in group where one { expired += 1 }
            return expired
        }
    }

    static let expiriesConcurrentMax = 64

    // MARK: Refunds and disputes

    /// Refunds `amountMinorUnits` (in the payment's currency) of a captured payment; several
    /// partial refunds may follow each other until the captured amount is refunded.
    @discardableResult
    public func refund(
        _ id: PaymentID, amountMinorUnits: Int64
    ) async throws(PaymentServiceError) -> PaymentRecord {
        try await run(.refund(amountMinorUnits: amountMinorUnits), id)
    }

    /// The cardholder's bank opens a dispute on the network's side. A chargeback takes the
    /// amount and the dispute fee from the merchant now (Stripe withdraws them when it opens);
    /// an inquiry (`isInquiry`, `warning_needs_response`) moves nothing until it is escalated.
    @discardableResult
    public func openDispute(
        _ id: PaymentID, amountMinorUnits: Int64, isInquiry: Bool = false
    ) async throws(PaymentServiceError) -> PaymentRecord {
        try await run(.disputeOpened(amountMinorUnits: amountMinorUnits, isInquiry: isInquiry), id)
    }

    /// The merchant answers a dispute with evidence (Stripe's `POST /v1/disputes/:id` with
    /// `submit=true`): an inquiry goes to `warning_under_review`, a chargeback to
    /// `under_review`. Moves no money.
    @discardableResult
    public func submitDisputeEvidence(_ id: PaymentID) async throws(PaymentServiceError) -> PaymentRecord {
        try await run(.submitDisputeEvidence, id)
    }

    /// The cardholder's bank escalates an open inquiry into a chargeback (`needs_response`):
    /// the disputed amount and the fee are withdrawn now, as when a chargeback opens.
    @discardableResult
    public func escalateInquiry(_ id: PaymentID) async throws(PaymentServiceError) -> PaymentRecord {
        try await run(.inquiryEscalated, id)
    }

    /// The cardholder's bank closes an open inquiry without a chargeback (`warning_closed`):
    /// nothing had moved, nothing moves, and the payment is back to captured or settled.
    @discardableResult
    public func closeInquiry(_ id: PaymentID) async throws(PaymentServiceError) -> PaymentRecord {
        try await run(.inquiryClosed, id)
    }

    /// The network decides a chargeback. Won (only after evidence, `under_review`): the amount
    /// and the fee come back. Lost (from `under_review`, or from `needs_response` when nobody
    /// answered): they stay withdrawn. Evidence is the merchant's own call
    /// (`submitDisputeEvidence`), never submitted here.
    @discardableResult
    public func closeDispute(_ id: PaymentID, won: Bool) async throws(PaymentServiceError) -> PaymentRecord {
        try await run(.disputeClosed(won: won), id)
    }

    // MARK: Helpers

    func record(_ id: PaymentID) async throws(PaymentServiceError) -> PaymentRecord {
        guard let record = shard(id).record(id) else { throw .paymentNotFound(id) }
        return record
    }

    /// Books the booking's transfers; anything but `.applied` for each is an internal error, counted.
    /// With a `network`, the movements on its accounts are entered in the movement book's totals and,
    /// with a `day` (the settlement day the network files them under), on that day's lines, for
    /// the settlement reconciliation; a movement the network has yet to confirm gets its lines
    /// when it does (`recordNetworkLines`).
    func book(
        _ booking: PaymentProcess.Booking, for id: PaymentID, day: Int64? = nil, isJournaled: Bool = false
    ) async throws(PaymentServiceError) {
        let transfers = booking.transfers
        let network = booking.network
        let outcomes: [TransferOutcome]
        // The intent (redo record) goes first, so that recovery can finish a booking the ledger
        // had not journaled when the process died (a transition's record carries its own); an
        // abort follows a refusal.
        if !isJournaled { try await paymentJournal.bookingIntent(booking, for: id, runtime: runtime) }
        do {
            outcomes = try await ledger.submit(transfers)
            let applied = outcomes.count { $0 == .applied }
            ProcessorMetrics.ledgerTransfers.increment(by: applied)
            counters.withLock { $0.ledgerTransfersApplied += Int64(applied) }
        } catch {
            counters.withLock { $0.ledgerRefusals += 1 }
            // A batch the ledger applied but could not journal stays applied: its durable intent
            // is what recovery redoes, so an abort here would make the journal disagree.
            if !error.isJournalFailure { await paymentJournal.bookingAborted(for: id, runtime: runtime) }
            throw .ledgerRefused(id, error.description)
        }
        EventTrace.record(
            runtime.now(), "ledger", "book",
            [
                "payment": id.description,
                "transfers": transfers.map { String($0.id.rawValue) }.joined(separator: " "),
                "outcomes": outcomes.map(\.description).joined(separator: " "),
            ])
        if let refused = outcomes.first(where: { $0 != .applied }) {
            await paymentJournal.bookingAborted(for: id, runtime: runtime)
            counters.withLock {
                $0.ledgerRefusals += 1
                $0.noteViolation("ledger refused \(refused) for \(id)")
            }
            throw .ledgerRefused(id, refused.description)
        }
        if let balanceTransactions {
            balanceTransactions.record(
                BalanceTransactionDerivation.derive(
                    transfers, payment: id, at: runtime.now(), clock: configuration.unixClock))
        }
        configuration.bookingObserver?(id, transfers)
        if let network {
            let today = CardNetworkState.day(of: runtime.now())
            movementBooks[Int(id.rawValue % UInt64(movementBooks.count))].withLock {
                $0.record(transfers, payment: id, network: network, day: day, today: today)
            }
        }
    }

    /// Notes a movement the network did not acknowledge (bounded: beyond the limit the
    /// reconciliation reports the payment as unexplained, never silently).
    func noteNetworkUnreported(_ id: PaymentID) {
        networkUnreported.withLock { if $0.count < Self.networkUnreportedMax { $0.insert(id) } }
    }

    /// The settlement day a network files a movement made now under, when the network did not
    /// answer with one (it was down): today plus its settlement delay.
    func settlementDay(_ network: PaymentNetwork) -> Int64 {
        CardNetworkState.day(of: runtime.now())
            + Int64(configuration.behaviour(of: network).settlementDelayDays)
    }

    /// Which network a method goes to, and the fingerprint fraud screening keys on.
    static func route(_ method: PaymentMethod) -> (PaymentNetwork, UInt64) {
        switch method {
        case .card(let card):
            let network: PaymentNetwork =
                switch card.brand {
                case .mastercard: .mastercard
                case .amex: .amex
                default: .visa
                }
            return (network, Self.hash(card.fingerprint))
        case .bankTransfer(let account):
            return (.bankRail, Self.hash(account.fingerprint))
        }
    }

    /// FNV-1a: a fixed hash (Swift's `Hasher` is seeded per process and would break replay).
    static func hash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }
}

extension LedgerError {
    /// The ledger applied the batch, then its journal refused the record of it.
    var isJournalFailure: Bool {
        if case .journalFailed = self { return true }
        return false
    }
}
