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
public final class PaymentOrchestrator: Sendable {
    let runtime: any Runtime
    let configuration: PaymentSystemConfiguration
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
        runtime: any Runtime, configuration: PaymentSystemConfiguration, ledger: ShardedLedger,
        fraud: FraudEngine, currency: CurrencyService, networks: [PaymentNetwork: CardNetwork],
        merchants: MerchantDirectory, events: PaymentEventSink
    ) {
        self.runtime = runtime
        self.configuration = configuration
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
    public func create(_ request: PaymentRequest) async throws(PaymentServiceError) -> PaymentRecord {
        let (id, input) = try await openPayment(request)
        return try await proceed(id, request, input)
    }

    /// Creates a payment without confirming it (Stripe's PaymentIntent before `confirm`): the
    /// record exists in `created`, its creation event is out; nothing is screened or authorized.
    /// With a journal, the payment is durable before its creation event goes out: no
    /// transition will journal it until it is confirmed, and its client is told it exists.
    public func open(_ request: PaymentRequest) async throws(PaymentServiceError) -> PaymentID {
        try await openPayment(request, journalsCreation: configuration.journal != nil).id
    }

    /// - Parameter journalsCreation: journal the created payment before its creation event is
    ///   emitted (an intent that waits for confirmation); otherwise its first transition carries
    ///   it.
    private func openPayment(
        _ request: PaymentRequest, journalsCreation: Bool = false
    ) async throws(PaymentServiceError) -> (id: PaymentID, input: FraudInput) {
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
        let input = try Self.fraudInput(request, fingerprint: fingerprint)
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
        if journalsCreation, let journal = configuration.journal, let record = shard.record(id) {
            do throws(PaymentServiceError) {
                try await PaymentJournaling.journalOpening(
                    record, now: runtime.now(), journal: journal, cipher: configuration.journalCipher)
            } catch {
                // Not durable, so it never existed: the client retries.
                _ = shard.remove(id)
                throw error
            }
        }
        await merchants.shard(request.merchant).recordPayment(request.merchant)
        events.emit(
            [.paymentIntentCreated], for: id, merchant: request.merchant, amount: request.amount,
            firstIndex: 0)
        return (id, input)
    }

    /// Screens, authorizes and (for automatic capture) captures an opened payment.
    private func proceed(
        _ id: PaymentID, _ request: PaymentRequest, _ input: FraudInput
    ) async throws(PaymentServiceError) -> PaymentRecord {
        let network = Self.route(request.method).0
        if request.requiresAuthentication {
            // The customer answers the challenge later, over the API: nothing waits here.
            try await transition(.requireAction, id)
            awaitingAuthentication.withLock {
                if $0.count < Self.awaitingAuthenticationMax { $0[id] = request }
            }
            return try await record(id)
        }
        // Screening: block, or step up to 3-D Secure.
        let decision = configuration.fraudScreening ? await fraud.assess(input).decision : .approve
        switch decision {
        case .block:
            try await transition(.authorizationResult(.declined(.fraudulent)), id)
            throw .cardDeclined(id, .fraudulent)
        case .requireThreeDSecure:
            try await transition(.requireAction, id)
            if await fraud.runThreeDSecure(for: input).isAuthenticated {
                try await transition(.actionCompleted, id)
            } else {
                try await transition(.actionAbandoned, id)
                throw .cardDeclined(id, .authenticationRequired)
            }
        default:
            break
        }

        return try await authorizeAndCapture(id, request, network: network)
    }

    private func authorizeAndCapture(
        _ id: PaymentID, _ request: PaymentRequest, network: PaymentNetwork
    ) async throws(PaymentServiceError) -> PaymentRecord {
        try await authorize(id, request: request, network: network)
        if request.captureMethod == .automatic {
            return try await capture(id, amountMinorUnits: nil)
        }
        return try await record(id)
    }

    /// What the fraud engine screens of `request`; a value out of its range is the request's
    /// error.
    private static func fraudInput(
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
        let input = try Self.fraudInput(request, fingerprint: fingerprint)
        let card: JournaledCardFields? =
            if case .card(let method) = request.method {
                JournaledCardFields(method, fingerprint: fingerprint)
            } else {
                nil
            }
        let shard = shard(id)
        // Routed again under the shard's lock and only while untouched: a concurrent confirm
        // of the same payment finds it moved on and is refused.
        let routed = shard.withRecord(id) { record -> Bool in
            guard record.payment.state == .created, record.transitions == 0 else { return false }
            record.route(network: network, fingerprint: fingerprint, card: card)
            return true
        }
        guard let routed else { throw .paymentNotFound(id) }
        guard routed else {
            let state = shard.record(id)?.payment.state ?? .created
            throw .unexpectedState(.illegal(command: .authorizationResult(.approved), state: state))
        }
        return try await proceed(id, request, input)
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
        guard succeeded else {
            try await transition(.actionAbandoned, id)
            throw .cardDeclined(id, .authenticationRequired)
        }
        try await transition(.actionCompleted, id)
        return try await authorizeAndCapture(id, request, network: Self.route(request.method).0)
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
        let rate = await currency.midMarketRate(from: amount.currency, to: settlement)
        let settlementMinimum = ChargeLimits.minimum(settlement)
        // Rounded down: an amount that only rounding lifts to the minimum is below it.
        guard let value = try? rate.convert(amount, rounding: .down),
            value.minorUnits >= settlementMinimum.minorUnits
        else {
            throw .amountTooSmall(amount, minimum: settlementMinimum)
        }
    }

    private func authorize(
        _ id: PaymentID, request: PaymentRequest, network kind: PaymentNetwork, isRetry: Bool = false
    ) async throws(PaymentServiceError) {
        let network = networks[kind]!
        let result: NetworkAuthorizationResult
        let sentAt = runtime.now()
        defer {
            let waited = runtime.now().nanoseconds - sentAt.nanoseconds
            ProcessorMetrics.authorizeDuration.recordNanoseconds(waited)
        }
        do {
            result = try await network.authorize(
                AuthorizationRequest(
                    paymentID: id, amount: request.amount, isFraudulentTruth: request.isFraudulentTruth,
                    scriptedDecline: request.scriptedDecline))
        } catch {
            configuration.authorizationObserver?(id, nil, runtime.now() - sentAt)
            // Refused outright (outage): the issuer never saw it, so this is a clean decline.
            try await transition(.authorizationResult(.declined(.issuerNotAvailable)), id)
            throw .cardDeclined(id, .issuerNotAvailable)
        }
        configuration.authorizationObserver?(id, result, runtime.now() - sentAt)
        switch result {
        case .approved:
            try await transition(.authorizationResult(.approved), id)
            try await bookHold(id)
        case .declined(let code):
            try await transition(.authorizationResult(.declined(code)), id)
            throw .cardDeclined(id, code)
        case .timedOut:
            if PlantedBug.active == .retryAuthorizationAfterTimeout, !isRetry {
                try await authorize(id, request: request, network: kind, isRetry: true)
                return
            }
            try await transition(.authorizationResult(.timedOut), id)
            counters.withLock { $0.authorizationTimeouts += 1 }
            try await resolveUnknownAuthorization(id, network: network)
        }
    }

    /// After a timeout the issuer may have approved: ask, a few times, and if it still cannot be
    /// known, reverse. Authorizing again could hold the customer's money twice.
    func resolveUnknownAuthorization(
        _ id: PaymentID, network: CardNetwork
    ) async throws(PaymentServiceError) {
        for _ in 0..<configuration.inquiriesMax {
            try? await runtime.sleep(for: configuration.inquiryDelay)
            let answer: NetworkInquiryResult
            do {
                answer = try await network.inquire(id)
            } catch {
                continue
            }
            counters.withLock { $0.inquiries += 1 }
            switch answer {
            case .approved:
                try await transition(.inquiryResult(.approved), id)
                try await bookHold(id)
                return
            case .declined(let code):
                try await transition(.inquiryResult(.declined(code)), id)
                throw .cardDeclined(id, code)
            case .reversed, .notFound:
                try await transition(.inquiryResult(.notFound), id)
                throw .cardDeclined(id, .processingError)
            }
        }
        // The reversal is owed once the transition is journaled, and sent until the network
        // confirms it: a network down now would otherwise keep the customer's money held.
        try await transition(.reverse, id)
        counters.withLock { $0.reversals += 1 }
        await fulfil(NetworkObligation(payment: id, network: network.kind, kind: .reversal, transfers: []))
        throw .cardDeclined(id, .processingError)
    }

    private func bookHold(_ id: PaymentID) async throws(PaymentServiceError) {
        let shard = shard(id)
        let record = try await record(id)
        let transferID = shard.nextTransferIDs(1)[0]
        let hold = PaymentBookkeeping.authorizationHold(
            transferID, record.parties, amount: record.payment.amountCapturableMinorUnits)
        try await book([hold], for: id)
        shard.update(id) { $0.hold = hold }
    }

    // MARK: Capture, void, expire

    /// Captures an authorized payment, in full (`nil`) or in part; the rest of the hold is
    /// released. Locks the FX rate when the merchant settles in another currency.
    @discardableResult
    public func capture(
        _ id: PaymentID, amountMinorUnits: Int64?
    ) async throws(PaymentServiceError) -> PaymentRecord {
        let record = try await transition(.capture(amountMinorUnits: amountMinorUnits), id)
        let captured = record.payment.amountCapturedMinorUnits
        let parties = record.parties
        var lockedRate: LockedRate?
        var settled = captured
        if parties.presentment != parties.settlement {
            let rate = await currency.quote(from: parties.presentment, to: parties.settlement)
            lockedRate = rate
            settled = try convert(captured, with: rate, id)
        }
        // A capture that converts to nothing (a partial capture of a few minor units) pays no
        // fee: a fixed fee on it would take from the merchant more than the charge brought.
        let fee = try self.fee(on: settled, in: parties.settlement, id)
        let ids = shard(id).nextTransferIDs(3)
        guard let hold = record.hold else { throw .ledgerRefused(id, "no authorization hold to capture") }
        let transfers =
            [Transfer.post(ids[0], of: hold, amount: captured)]
            + PaymentBookkeeping.capture(
                (ids[1], ids[2]), parties, captured: captured, settled: settled, fee: fee)
        try await book(transfers, for: id, network: record.network)
        try await plantedCaptureBug(
            id, hold: hold, parties: parties, captured: captured, settled: settled, fee: fee,
            network: record.network, day: settlementDay(record.network))
        shard(id).update(id) { [lockedRate, settled] in
            $0.hold = nil
            $0.lockedRate = lockedRate
            $0.capturedSettled = settled
            $0.feeSettled = fee
        }
        await merchants.shard(record.merchant).adjustEarned(record.merchant, by: settled - fee)
        await fulfil(
            NetworkObligation(
                payment: id, network: record.network,
                kind: .capture(Money(minorUnits: captured, currency: parties.presentment)),
                transfers: transfers))
        return try await self.record(id)
    }

    /// Cancels an authorized (or not yet authorized) payment: the hold is released.
    @discardableResult
    public func void(_ id: PaymentID) async throws(PaymentServiceError) -> PaymentRecord {
        try await release(.void, id)
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
                group.addTask { (try? await self.release(.expire, id)) != nil }
                running += 1
            }
            for await one in group where one { expired += 1 }
            return expired
        }
    }

    static let expiriesConcurrentMax = 64

    private func release(
        _ command: PaymentCommand, _ id: PaymentID
    ) async throws(PaymentServiceError) -> PaymentRecord {
        let record = try await transition(command, id)
        if let hold = record.hold {
            let voidID = shard(id).nextTransferIDs(1)[0]
            try await book([Transfer.void(voidID, of: hold)], for: id)
            shard(id).update(id) { $0.hold = nil }
        }
        await fulfil(NetworkObligation(payment: id, network: record.network, kind: .reversal, transfers: []))
        return try await self.record(id)
    }

    // MARK: Refunds and disputes

    /// Refunds `amountMinorUnits` (in the payment's currency) of a captured payment; several
    /// partial refunds may follow each other until the captured amount is refunded.
    @discardableResult
    public func refund(
        _ id: PaymentID, amountMinorUnits: Int64
    ) async throws(PaymentServiceError) -> PaymentRecord {
        let record = try await transition(.refund(amountMinorUnits: amountMinorUnits), id)
        let settled = try settledValue(of: amountMinorUnits, record, id)
        let booked = Self.plantedRefundAmount(amountMinorUnits, record)
        let ids = shard(id).nextTransferIDs(2)
        // Booked first (the customer is owed the refund whether or not the network answers),
        // then owed to the network until it confirms; its lines in the movement book wait for
        // the settlement day the network files it under.
        let transfers = PaymentBookkeeping.toNetwork(
            (ids[0], ids[1]), record.parties, amount: booked,
            settled: booked == amountMinorUnits ? settled : try settledValue(of: booked, record, id),
            code: PaymentBookkeeping.Code.refund)
        try await book(transfers, for: id, network: record.network)
        shard(id).update(id) { $0.refundedSettled += settled }
        await merchants.shard(record.merchant).adjustEarned(record.merchant, by: -settled)
        await fulfil(
            NetworkObligation(
                payment: id, network: record.network,
                kind: .refund(
                    Self.networkRefundID(transfers) ?? RefundID(ids[1].rawValue),
                    Money(minorUnits: amountMinorUnits, currency: record.parties.presentment)),
                transfers: transfers))
        return try await self.record(id)
    }

    /// The cardholder's bank opens a dispute on the network's side. A chargeback takes the
    /// amount and the dispute fee from the merchant now (Stripe withdraws them when it opens);
    /// an inquiry (`isInquiry`, `warning_needs_response`) moves nothing until it is escalated.
    @discardableResult
    public func openDispute(
        _ id: PaymentID, amountMinorUnits: Int64, isInquiry: Bool = false
    ) async throws(PaymentServiceError) -> PaymentRecord {
        let record = try await transition(
            .openDispute(amountMinorUnits: amountMinorUnits, isInquiry: isInquiry), id)
        guard !isInquiry else { return record }
        return try await withdrawDisputedFunds(record)
    }

    /// The merchant answers a dispute with evidence (Stripe's `POST /v1/disputes/:id` with
    /// `submit=true`): an inquiry goes to `warning_under_review`, a chargeback to
    /// `under_review`. Moves no money.
    @discardableResult
    public func submitDisputeEvidence(_ id: PaymentID) async throws(PaymentServiceError) -> PaymentRecord {
        try await transition(.submitEvidence, id)
    }

    /// The cardholder's bank escalates an open inquiry into a chargeback (`needs_response`):
    /// the disputed amount and the fee are withdrawn now, as when a chargeback opens.
    @discardableResult
    public func escalateInquiry(_ id: PaymentID) async throws(PaymentServiceError) -> PaymentRecord {
        try await withdrawDisputedFunds(try await transition(.escalateInquiry, id))
    }

    /// The cardholder's bank closes an open inquiry without a chargeback (`warning_closed`):
    /// nothing had moved, nothing moves, and the payment is back to captured or settled.
    @discardableResult
    public func closeInquiry(_ id: PaymentID) async throws(PaymentServiceError) -> PaymentRecord {
        try await transition(.closeInquiry, id)
    }

    /// The network decides a chargeback. Won (only after evidence, `under_review`): the amount
    /// and the fee come back. Lost (from `under_review`, or from `needs_response` when nobody
    /// answered): they stay withdrawn. Evidence is the merchant's own call
    /// (`submitDisputeEvidence`), never submitted here.
    @discardableResult
    public func closeDispute(_ id: PaymentID, won: Bool) async throws(PaymentServiceError) -> PaymentRecord {
        let record = try await transition(.closeDispute(won ? .won : .lost), id)
        guard won else { return record }
        let ids = shard(id).nextTransferIDs(3)
        let amount = record.payment.dispute?.amountMinorUnits ?? 0
        let transfers = PaymentBookkeeping.disputeWon(
            (ids[0], ids[1], ids[2]), record.parties, amount: amount, settled: record.disputedSettled,
            fee: record.disputeFeeSettled)
        try await book(transfers, for: id, network: record.network)
        await merchants.shard(record.merchant).adjustEarned(
            record.merchant, by: record.disputedSettled + record.disputeFeeSettled)
        await fulfil(
            NetworkObligation(
                payment: id, network: record.network,
                kind: .chargebackReversal(Money(minorUnits: amount, currency: record.parties.presentment)),
                transfers: transfers))
        return try await self.record(id)
    }

    /// Books a chargeback's withdrawal (the disputed amount back to the network, the fee to
    /// fees revenue) after the transition that opened it or escalated an inquiry into it.
    private func withdrawDisputedFunds(
        _ record: PaymentRecord
    ) async throws(PaymentServiceError) -> PaymentRecord {
        let id = record.id
        let amountMinorUnits = record.payment.dispute?.amountMinorUnits ?? 0
        let settled = try settledValue(of: amountMinorUnits, record, id)
        let fee = configuration.fees.disputeFeeMinorUnits(in: record.parties.settlement)
        let ids = shard(id).nextTransferIDs(3)
        var transfers = PaymentBookkeeping.toNetwork(
            (ids[0], ids[1]), record.parties, amount: amountMinorUnits, settled: settled,
            code: PaymentBookkeeping.Code.dispute)
        if fee > 0 { transfers.append(PaymentBookkeeping.disputeFee(ids[2], record.parties, fee: fee)) }
        try await book(transfers, for: id, network: record.network)
        shard(id).update(id) {
            $0.disputedSettled = settled
            $0.disputeFeeSettled = fee
        }
        await merchants.shard(record.merchant).adjustEarned(record.merchant, by: -(settled + fee))
        await fulfil(
            NetworkObligation(
                payment: id, network: record.network,
                kind: .chargeback(Money(minorUnits: amountMinorUnits, currency: record.parties.presentment)),
                transfers: transfers))
        return try await self.record(id)
    }

    // MARK: Helpers

    /// Applies a command in the payment's shard and emits its events.
    @discardableResult
    func transition(
        _ command: PaymentCommand, _ id: PaymentID
    ) async throws(PaymentServiceError) -> PaymentRecord {
        let now = runtime.now()
        let (record, emitted, previous) = try shard(id).apply(command, to: id, now: now)
        // The transition is durable before its events go out or anyone
        // acts on it. A transition the journal refused is undone (the payment is again what the
        // journal shows) and nobody hears of it: the caller gets `journalUnavailable`.
        if let journal = configuration.journal {
            do throws(PaymentServiceError) {
                try await PaymentJournaling.journalTransition(
                    command, record, emitted: emitted, now: now, journal: journal,
                    cipher: configuration.journalCipher)
            } catch {
                let undone = shard(id).undo(id, to: previous, ifStill: record)
                counters.withLock {
                    $0.transitionsUndone += 1
                    // Another command moved the payment on from the unjournaled state while the
                    // append was in flight: it cannot be undone without losing that.
                    if !undone {
                        $0.undoConflicts += 1
                        if $0.undoConflictExamples.count < 20 {
                            $0.undoConflictExamples.append(
                                "\(id): \(command) refused by the journal, superseded")
                        }
                    }
                }
                throw error
            }
        }
        events.emit(
            Self.plantedEventBug(emitted), for: id, merchant: record.merchant, amount: record.payment.amount,
            firstIndex: 1 + record.eventsEmitted - emitted.count)
        counters.withLock { $0.transitions += 1 }
        return record
    }

    func record(_ id: PaymentID) async throws(PaymentServiceError) -> PaymentRecord {
        guard let record = shard(id).record(id) else { throw .paymentNotFound(id) }
        return record
    }

    /// Books `transfers`; anything but `.applied` for each is an internal error, counted. With a
    /// `network`, the movements on its accounts are entered in the movement book's totals and,
    /// with a `day` (the settlement day the network files them under), on that day's lines, for
    /// the settlement reconciliation; a movement the network has yet to confirm gets its lines
    /// when it does (`recordNetworkLines`).
    func book(
        _ transfers: [Transfer], for id: PaymentID, network: PaymentNetwork? = nil, day: Int64? = nil
    ) async throws(PaymentServiceError) {
        let outcomes: [TransferOutcome]
        // The intent (redo record) goes first, so that recovery can finish
        // a booking the ledger had not journaled when the process died; an abort follows a
        // refusal.
        if let journal = configuration.journal {
            try await PaymentJournaling.journalBooking(transfers, for: id, journal: journal, runtime: runtime)
        }
        do {
            outcomes = try await ledger.submit(transfers)
            let applied = outcomes.count { $0 == .applied }
            ProcessorMetrics.ledgerTransfers.increment(by: applied)
            counters.withLock { $0.ledgerTransfersApplied += Int64(applied) }
        } catch {
            counters.withLock { $0.ledgerRefusals += 1 }
            // A batch the ledger applied but could not journal stays applied: its durable intent
            // is what recovery redoes, so an abort here would make the journal disagree.
            if let journal = configuration.journal, !error.isJournalFailure {
                await PaymentJournaling.journalBookingAborted(for: id, journal: journal, runtime: runtime)
            }
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
            if let journal = configuration.journal {
                await PaymentJournaling.journalBookingAborted(for: id, journal: journal, runtime: runtime)
            }
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

    /// The processing fee on a capture worth `settled` in the settlement currency.
    /// - Throws: `ledgerRefused` (an internal error, counted) if the fee overflows.
    func fee(on settled: Int64, in currency: Currency, _ id: PaymentID) throws(PaymentServiceError) -> Int64 {
        do throws(FeeScheduleError) {
            return try configuration.fees.processingFeeMinorUnits(onSettled: settled, in: currency)
        } catch {
            throw .ledgerRefused(id, error.description)
        }
    }

    private func convert(
        _ amount: Int64, with rate: LockedRate, _ id: PaymentID
    ) throws(PaymentServiceError) -> Int64 {
        do {
            return try rate.convert(Money(minorUnits: amount, currency: rate.from)).converted.minorUnits
        } catch {
            throw .invalidRequest("conversion of \(id): \(error)")
        }
    }

    /// An amount of the payment's currency in the settlement currency, at the rate locked at
    /// capture.
    private func settledValue(
        of amount: Int64, _ record: PaymentRecord, _ id: PaymentID
    ) throws(PaymentServiceError)
        -> Int64
    {
        guard let rate = record.lockedRate else { return amount }
        return try convert(amount, with: rate, id)
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
