import Core
import Journal
import Ledger
import PaystormRuntime

extension PaymentSystem {
    /// Rebuilds a payment system from its journal and returns it ready to serve: the same run
    /// code goes on where the journal ends, so the same run code resumes from a recovered
    /// state.
    ///
    /// Rebuilt: merchants (with their API key hashes and webhook endpoints), every journaled
    /// payment not retired (state, amounts, open hold, booked settlement amounts; a retired
    /// payment's journey had ended, so nothing will ask for it again), idempotency keys with
    /// the answers they were given, the ledger's balances (every journaled transfer replayed into
    /// the system's own ledger, and every intended booking the ledger had not journaled
    /// finished), and the id allocators (payments and transfers continue after the journal's).
    /// Then crash repair: payments the dead process left mid-flight (`created`,
    /// `requiresAction`, `authorizationUnknown`) are moved on to a final state, journaled.
    ///
    /// Not rebuilt (not journaled): the fraud engine's card history and rate-limit buckets.
    ///
    /// Webhook events the dead process emitted and never settled (neither delivered nor
    /// dead-lettered, as its `webhookSettled` records show) are delivered again under their
    /// original ids; the merchants' endpoints de-duplicate by id, so delivery stays at least once.
    ///
    /// - Parameters:
    ///   - configuration: the run's configuration; `journal` is the journal to read and to go on
    ///     appending to (required).
    ///   - outside: the system that crashed, if it is at hand: the new one talks to its card
    ///     networks and webhook endpoints (other companies' machines, which did not restart).
    ///     Nothing else of it is read.
    ///   - crashRepairWhileServing: return as soon as the state is rebuilt, and settle the
    ///     interrupted payments meanwhile (`awaitCrashRepair()` waits for the end): the system
    ///     answers new requests from the start, and a client's retry of an interrupted one
    ///     waits (a retryable refusal) until its payment is settled. Otherwise crash repair is
    ///     over when this returns.
    ///   - served: what the API server above the facade journaled of its own (see
    ///     `ServedRecovery`); empty for the runner.
    /// - Throws: `RecoveryError.noJournal` without a journal; what `PaymentSystemRecovery`
    ///   throws; `GatewayError` if a key cannot be registered.
    public static func recovering(
        runtime: any Runtime, configuration: PaymentSystemConfiguration, outside: PaymentSystem? = nil,
        crashRepairWhileServing: Bool = false, served: ServedRecovery = ServedRecovery()
    ) async throws -> (system: PaymentSystem, recovered: RecoveredPaymentSystem) {
        let system = try PaymentSystem(
            runtime: runtime, configuration: configuration, ledgerJournalOpen: false, outside: outside)
        guard system.paymentJournal.isDurable else { throw RecoveryError.noJournal }
        let recovered = try await PaymentSystemRecovery.recover(
            from: system.paymentJournal.log, into: system.ledger, cipher: system.paymentJournal.cipher)
        system.ledgerJournalGate?.open()
        try await system.restore(
            recovered, crashRepairWhileServing: crashRepairWhileServing, served: served)
        return (system, recovered)
    }

    /// After a restart, payment ids go on at the next multiple of this (more than the payments
    /// a process can have in flight).
    static let paymentIDBlock: UInt64 = 1 << 20

    private func restore(
        _ recovered: RecoveredPaymentSystem, crashRepairWhileServing: Bool, served: ServedRecovery
    ) async throws {
        // Before this life books anything (crash repair), so that the list stays in order.
        if served.restoresBalanceTransactions, let log = orchestrator.balanceTransactions {
            // Stamped on this life's clock: the journal holds each life's own time, not its zero.
            try await BalanceTransactionJournalScan.scan(paymentJournal.log, clock: configuration.unixClock) {
                log.record($0)
            }
        }
        try await restoreMerchants(recovered)
        try await restorePayments(recovered)
        try await journalCrashRepair(recovered)
        restoreIdempotency(recovered, served: served)
        // Webhooks owed by the dead process go out again (the endpoints de-duplicate by id).
        events.redeliver(recovered.pendingWebhooks)

        // Obligations to the networks the dead process may not have seen confirmed: sent again
        // (each is idempotent at the network) from tasks of their own.
        var owed: [NetworkObligation] = []
        for (id, payment) in recovered.payments.sorted(by: { $0.key < $1.key }) {
            owed += PaymentOrchestrator.owedAfterRestart(
                payment, booked: recovered.state.payments[id]?.obligations ?? [])
        }
        orchestrator.resumeOwed(owed)

        await repairInterrupted(recovered, served: served, whileServing: crashRepairWhileServing)
    }

    /// Merchants: the account, its endpoint, its keys.
    private func restoreMerchants(_ recovered: RecoveredPaymentSystem) async throws {
        var paymentsPerMerchant = recovered.state.retiredByMerchant
        for payment in recovered.payments.values { paymentsPerMerchant[payment.merchant, default: 0] += 1 }
        for (merchant, currency) in recovered.merchants.sorted(by: { $0.key < $1.key }) {
            let endpointIndex = endpoints.isEmpty ? 0 : Int(merchant.rawValue % UInt64(endpoints.count))
            var account = MerchantAccount(
                id: merchant, settlementCurrency: currency,
                webhookSecret: Self.endpointSecret(endpointIndex, seed: runtime.seed))
            account.paidOut = recovered.state.paidOut[merchant] ?? 0
            account.payments = paymentsPerMerchant[merchant] ?? 0
            merchants.shard(merchant).restore(account)
            if let webhooks {
                try webhooks.register(
                    endpoints[endpointIndex], secret: account.webhookSecret, for: merchant)
            }
        }
        for key in recovered.state.apiKeyHashes {
            try gateway(key.merchant).registerKey(APIKeyHash(bytes: key.hash), for: key.merchant)
        }
        // New keys from streams the earlier lives never drew from (one per journal length).
        for (index, gateway) in gateways.enumerated() {
            gateway.drawKeys(fromStream: UInt64(recovered.report.records) << 16 | UInt64(index))
        }
    }

    /// Payments, and the allocators after them.
    private func restorePayments(_ recovered: RecoveredPaymentSystem) async throws {
        var paymentIDMax: UInt64 = 0
        for (id, record) in recovered.payments.sorted(by: { $0.key < $1.key }) {
            paymentIDMax = max(paymentIDMax, id.rawValue)
            orchestrator.shard(id).insert(record)
            events.restoreEmittedCount(1 + record.eventsEmitted, for: id)
        }
        // Ids the dead process handed out without journaling them (requests in flight) may be
        // known outside (a network saw the authorization): start at the next block instead.
        // The block is journaled before this life hands out any id from it, so that the next
        // restart starts past it even if none of its payments reached the journal.
        let block = PaymentSystem.paymentIDBlock
        let firstID = max((paymentIDMax / block + 1) * block, recovered.state.paymentIDBlockReserved + block)
        try await PaymentJournaling.appendPersistently(
            [JournalRecord(PaymentJournalRecord.paymentIDBlock(firstID: firstID))],
            journal: paymentJournal.log,
            runtime: runtime)
        orchestrator.nextPaymentID.store(firstID, ordering: .relaxed)
        for shard in orchestrator.shards {
            if let sequence = recovered.state.transferSequences[shard.transferProducer] {
                shard.resumeTransferIDs(after: sequence)
            }
        }
    }

    private func journalCrashRepair(_ recovered: RecoveredPaymentSystem) async throws {
        // Crash repair is journaled, so that a later recovery, which will see what this life
        // does after it, starts from the same state: the transfers recovery booked.
        let records = recovered.rolledForward.map { JournalRecord($0.journalRecord) }
        guard !records.isEmpty else { return }
        try await PaymentJournaling.appendPersistently(records, journal: paymentJournal.log, runtime: runtime)
    }

    private func restoreIdempotency(_ recovered: RecoveredPaymentSystem, served: ServedRecovery) {
        // Idempotency: answered keys replay their answer; keys whose work began resume it. The
        // server's own answers first: a key holds the first answer restored to it, and the
        // server's is the one its client read.
        let now = runtime.now().nanoseconds
        let fromServer = served.answers.map { ($0.merchant, $0.key, $0.response, now - $0.age.nanoseconds) }
        let fromJournal = recovered.state.answers.values.sorted { $0.timeNanoseconds < $1.timeNanoseconds }
            .map { ($0.merchant, $0.key, $0.storedResponse, $0.timeNanoseconds) }
        for (merchant, value, response, completedNanoseconds) in fromServer + fromJournal {
            guard let key = try? IdempotencyKey(merchant: merchant, value: value) else { continue }
            let gate = idempotency[Int(key.descriptionHash % UInt64(idempotency.count))]
            gate.store.restore(
                key, response: response, completedAt: SimTime(nanoseconds: completedNanoseconds))
        }
        startedWork.withLock { $0 = recovered.startedKeys }
    }

    private func repairInterrupted(
        _ recovered: RecoveredPaymentSystem, served: ServedRecovery,
        whileServing crashRepairWhileServing: Bool
    ) async {
        // Crash repair: what the dead process left mid-flight reaches a final state. A payment
        // no idempotency key leads back to (its client's retry will start another) and that
        // turns out authorized is released: nobody will capture it. Concurrently, at most
        // `configuration.crashRepairConcurrencyMax` at once: each may wait out the inquiry
        // delays (seconds), and hundreds in a row would keep a restarted system from answering
        // for minutes.
        let resumable = Set(recovered.startedKeys.values)
        let interrupted = recovered.payments.sorted(by: { $0.key < $1.key }).compactMap { id, record in
            switch record.payment.state {
            case .created, .requiresAction:
                served.waitingForClient.contains(id) ? nil : id
            case .authorizationUnknown: id
            default: nil
            }
        }
        let started = runtime.now()
        crashRepair.withLock { $0.paymentsSettled = interrupted.count }
        let repair = { [self] () async -> Void in
            await withTaskGroup(of: Void.self) { group in
                var running = 0
                for id in interrupted {
                    if running >= configuration.crashRepairConcurrencyMax {
                        await group.next()
                        running -= 1
                    }
                    running += 1
                    group.addTask { [orchestrator] in
                        await orchestrator.repairInterrupted(id, resumable: resumable.contains(id))
                    }
                }
            }
            crashRepair.withLock {
                $0.durationNanoseconds = runtime.now().nanoseconds - started.nanoseconds
                $0.isFinished = true
            }
        }
        if crashRepairWhileServing {
            let task = runtime.spawn { await repair() }
            crashRepairTask.withLock { $0 = task }
        } else {
            await repair()
        }
    }

    /// Waits until crash repair is over (at once for a system that did not restart, or that
    /// repaired before `recovering` returned).
    public func awaitCrashRepair() async {
        if let task = crashRepairTask.withLock({ $0 }) { await task.value }
    }

    /// What crash repair did after the restart that built this system: how many interrupted
    /// payments it moved on, and how long it took on the run's clock (nil figures for a system
    /// that did not restart).
    public var crashRepairFigures: CrashRepairFigures { crashRepair.withLock { $0 } }
}
