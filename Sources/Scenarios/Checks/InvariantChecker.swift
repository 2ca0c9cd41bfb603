import Core
import Ledger
import PaystormRuntime
import Services

/// Checks the invariants of a run in process against the system's final state.
///
/// A journey checks its own payment when it ends (`finalState(of:emitted:system:)`) and
/// reports what it found to `RunMetrics`; once the run is over `check()` checks the payments
/// still held with the same function, adds what only the end can tell (the ledger, the
/// merchants' balances, settlement, webhooks) and merges both into one result per invariant.
struct InvariantChecker {
    let system: PaymentSystem
    let metrics: RunMetrics
    let expectedBalances: ExpectedMerchantBalances
    /// The ledger's reconciliation at the end: its totals per currency, its unbalanced transfers.
    let reconciliation: LedgerReconciliation
    /// Every account's balance in the ledger at the end.
    let balances: [AccountSnapshot]
    /// Whether the system crashed and was rebuilt from its journal during the run.
    var hasRestarted = false
    /// When a service crashed during the run: the events the journal shows owed at the end
    /// (emitted, never settled), read after the last dispatcher went idle.
    var owedAfterServiceCrashes: [PendingWebhook]? = nil

    /// The invariants a run in process lists even when they hold (others are listed only when
    /// violated: a cancel or an answer lost for good is a rare path).
    static let listed: [Invariant] = [
        .ledgerBalances, .everyMoneyMovementBooked, .refusedTransitionsUndone, .noPaymentLost,
        .amountsWithinBounds, .noAuthorizationHeldForAFailedPayment, .oneEventPerStateChange,
        .oneChargePerIdempotencyKey, .captureOfAuthorizedPayment, .refundWithinCaptured, .disputeLifecycle,
        .merchantOnboarding, .generator, .everyAcknowledgedAnswerJournaled, .unknownOutcomeResolvesToOneState,
        .failedPaymentNeverCaptured, .everyPaymentSettlesAfterHeal, .merchantBalancesAsExpected,
        .noNetworkObligationLeftOwed, .everyEventDeliveredOrDeadLettered,
    ]

    /// What a payment's final record must show: nothing left in a transient state, amounts
    /// within bounds, nothing held or captured at the network for a payment that failed, one
    /// event per state change. `emitted` is how many events the system emitted for it.
    static func finalState(
        of record: PaymentRecord, emitted: Int, system: PaymentSystem
    ) async -> [(invariant: Invariant, example: String)] {
        var found: [(invariant: Invariant, example: String)] = []
        let payment = record.payment
        switch payment.state {
        case .created, .requiresAction, .authorizationUnknown:
            found.append((.noPaymentLost, "\(record.id) left \(payment.state)"))
        default:
            break
        }
        if payment.amountCapturedMinorUnits > payment.amount.minorUnits
            || payment.amountRefundedMinorUnits > payment.amountCapturedMinorUnits
        {
            found.append((.amountsWithinBounds, "\(record.id): \(payment)"))
        }
        if let orphan = await orphanedAuthorization(record, system: system) {
            found.append((.noAuthorizationHeldForAFailedPayment, orphan))
        }
        if case .failed = payment.state, payment.amountCapturedMinorUnits > 0 {
            found.append(
                (
                    .failedPaymentNeverCaptured,
                    "\(record.id) ended \(payment.state) but captured \(payment.amountCapturedMinorUnits)"
                ))
        }
        if let mismatch = eventMismatch(record, emitted: emitted) {
            found.append((.oneEventPerStateChange, mismatch))
        }
        return found
    }

    /// The payment's events against its state changes: the sink must have emitted exactly the
    /// events its transitions named (each transition names at least one), plus its creation
    /// event once a journal record showed the payment: none dropped, none doubled.
    static func eventMismatch(_ record: PaymentRecord, emitted: Int) -> String? {
        let named = (record.isCreationEventEmitted ? 1 : 0) + record.eventsEmitted
        guard emitted != named || record.eventsEmitted < record.transitions else { return nil }
        return
            "\(record.id) (\(record.payment.state)): \(record.transitions) transitions named \(named) events "
            + "with its creation, \(emitted) emitted"
    }

    /// A payment that ended without charging (declined, voided, reversed) must leave nothing
    /// held on the customer's card: the network may not hold an approved, unreversed,
    /// uncaptured authorization for it. That is what a blind retry after a timeout leaves
    /// behind (the network refuses the duplicate, Paystorm declines, the issuer's first approval
    /// stays). Asks the network's own record, not Paystorm's.
    static func orphanedAuthorization(_ record: PaymentRecord, system: PaymentSystem) async -> String? {
        switch record.payment.state {
        case .failed, .voided, .expired: break
        default: return nil
        }
        guard let status = system.networks[record.network]?.status(of: record.id) else { return nil }
        // A payment the client was told failed must not have been charged at the network either.
        if status.captured.minorUnits > 0 {
            return
                "\(record.id) ended \(record.payment.state) but \(record.network) captured \(status.captured)"
        }
        guard status.authorized.minorUnits > 0 else { return nil }
        return "\(record.id) ended \(record.payment.state) but \(record.network) holds \(status.authorized)"
    }

    /// Every invariant of the run: what the journeys found as they went, and the final checks.
    func check() async -> [RunReport.InvariantResult] {
        var tally = metrics.violations
        for invariant in Self.listed { tally.list(invariant) }
        checkLedger(into: &tally)
        await checkHeldPayments(into: &tally)
        await checkMerchantBalances(into: &tally)
        checkNetworkObligations(into: &tally)
        if !hasRestarted { await checkSettlementFiles(into: &tally) }
        checkWebhooks(into: &tally)
        return tally.results
    }

    /// The ledger balances, per currency and per transfer; every money movement the
    /// orchestrator meant was booked; every transition the journal refused was undone.
    private func checkLedger(into tally: inout InvariantTally) {
        let problems =
            reconciliation.currencies.filter { !$0.isBalanced }.map {
                "\($0.currency.code) imbalance \($0.imbalance)"
            } + reconciliation.unbalancedTransfers.map { "transfer \($0) does not balance" }
        // The reconciliation names the first unbalanced transfers and counts them all.
        let unnamed = max(
            0, reconciliation.unbalancedTransferCount - reconciliation.unbalancedTransfers.count)
        tally.add(.ledgerBalances, examples: problems, count: problems.count + unnamed)
        let counters = system.counters
        tally.add(
            .everyMoneyMovementBooked, examples: counters.violationExamples,
            count: Int(counters.ledgerRefusals))
        tally.add(
            .refusedTransitionsUndone, examples: counters.undoConflictExamples,
            count: Int(counters.undoConflicts))
    }

    /// The payments no journey retired (the journeys check theirs as they end), with the same
    /// checks; and the events emitted for payments no record accounts for any more.
    private func checkHeldPayments(into tally: inout InvariantTally) async {
        var emitted = system.events.emittedCounts()
        for record in await system.orchestrator.allPayments() {
            expectedBalances.add(record)
            let count = emitted.removeValue(forKey: record.id) ?? 0
            for (invariant, example) in await Self.finalState(of: record, emitted: count, system: system) {
                tally.add(invariant, example)
            }
        }
        for (id, count) in emitted.sorted(by: { $0.key < $1.key }) {
            tally.add(.oneEventPerStateChange, "\(id): \(count) events emitted after it was retired")
        }
    }

    /// Each merchant's ledger balance, per currency, is what its payments and payouts say.
    private func checkMerchantBalances(into tally: inout InvariantTally) async {
        var paidOut: [MerchantID: (Currency, Int64)] = [:]
        for account in await system.merchants.allAccounts() where account.paidOut != 0 {
            paidOut[account.id] = (account.settlementCurrency, account.paidOut)
        }
        for problem in expectedBalances.mismatches(ledger: balances, paidOut: paidOut) {
            tally.add(.merchantBalancesAsExpected, problem)
        }
    }

    /// Once every journey has ended, no reversal, capture or refund is still owed to a network,
    /// and none was dropped.
    private func checkNetworkObligations(into tally: inout InvariantTally) {
        let owed = system.orchestrator.networkObligationsOwed
        let dropped = Int(system.counters.networkObligationsDropped)
        tally.add(
            .noNetworkObligationLeftOwed,
            examples: (owed > 0 ? ["\(owed) still owed to the networks"] : [])
                + (dropped > 0 ? ["\(dropped) dropped for a full table"] : []),
            count: owed + dropped)
    }

    /// Every line of every network's daily file matches the ledger's movements on that
    /// network's accounts (or differs for a reason the system counted: the network never
    /// acknowledged the movement, a bank return not due yet), and those movements are the
    /// ledger's. Not after a restart: the movement book is not journaled.
    private func checkSettlementFiles(into tally: inout InvariantTally) async {
        let files = await system.reconcileSettlement()
        let unexplained = await system.unexplainedSettlementMismatches(files)
        tally.list(.settlementReconcilesWithNetworkFiles)
        tally.add(
            .settlementReconcilesWithNetworkFiles,
            examples: unexplained.prefix(5).map(\.description) + files.accountMismatches.prefix(5),
            count: unexplained.count + files.accountMismatches.count)
    }

    /// Every event handed to the dispatcher, and delivered or dead-lettered (or still retrying).
    private func checkWebhooks(into tally: inout InvariantTally) {
        guard system.webhooks != nil else { return }
        let events = system.events.snapshot
        let statistics = Self.webhookStatistics(system)
        if events.refusedQueueFull + events.noEndpoint > 0 {
            tally.add(
                .everyEventDeliveredOrDeadLettered,
                "\(events.refusedQueueFull + events.noEndpoint) events never handed to the dispatcher")
        }
        let accounted =
            statistics.delivered + statistics.deadLettered + statistics.abandoned + Int64(statistics.inFlight)
        if accounted != events.enqueued {
            tally.add(
                .everyEventDeliveredOrDeadLettered,
                "enqueued \(events.enqueued), delivered+dead-lettered+abandoned+pending \(accounted)")
        }
        // Across a dispatcher's crash the counters cannot tell a lost event (abandoned, never
        // handed over again) from a delivered one: the journal can. Once the last dispatcher
        // is idle, nothing any life emitted may still be owed.
        if let owed = owedAfterServiceCrashes, statistics.inFlight == 0, let first = owed.first {
            tally.add(
                .everyEventDeliveredOrDeadLettered,
                "\(owed.count) events emitted and never delivered nor dead-lettered across the "
                    + "dispatcher's restarts, e.g. \(first.eventID) \(first.type) for \(first.merchant)")
        }
    }

    /// Every life of the dispatcher together (a service crash kills one and starts another).
    static func webhookStatistics(_ system: PaymentSystem) -> WebhookDispatcher.Statistics {
        var statistics = WebhookDispatcher.Statistics()
        for life in system.events.dispatcherLives() {
            let one = life.statistics()
            statistics.delivered += one.delivered
            statistics.retries += one.retries
            statistics.deadLettered += one.deadLettered
            statistics.abandoned += one.abandoned
            statistics.inFlight += one.inFlight
        }
        return statistics
    }
}
