/// An invariant a run checks: its raw value is the name the reports print (the JSON report's
/// `invariants[].name`, the summary, the HTML report), so a renamed case keeps its name.
///
/// Some are checked as the run goes (a journey checks its payment when it ends), some only at
/// its end, some both: `InvariantChecker` holds the checks, and a journey and the report
/// builder call the same ones.
public enum Invariant: String, CaseIterable, Sendable {
    // The ledger and the money it holds
    case ledgerBalances = "ledger_balances"
    case everyMoneyMovementBooked = "every_money_movement_booked"
    case refusedTransitionsUndone = "refused_transitions_undone"

    // Each payment, checked when its journey ends and again for those held at the end
    case noPaymentLost = "no_payment_lost"
    case amountsWithinBounds = "captures_within_authorized_refunds_within_captured"
    case noAuthorizationHeldForAFailedPayment = "no_authorization_held_for_a_failed_payment"
    case oneEventPerStateChange = "every_state_change_yields_exactly_one_event"

    // What the clients were answered
    case oneChargePerIdempotencyKey = "one_charge_per_idempotency_key"
    case captureOfAuthorizedPayment = "capture_of_authorized_payment"
    case refundWithinCaptured = "refund_within_captured"
    case disputeLifecycle = "dispute_lifecycle"
    case merchantOnboarding = "merchant_onboarding"
    case generator = "generator"
    case everyAcknowledgedAnswerJournaled = "every_acknowledged_answer_journaled"
    case unknownOutcomeResolvesToOneState = "unknown_outcome_resolves_to_one_state"
    case failedPaymentNeverCaptured = "failed_payment_never_captured"
    case everyPaymentSettlesAfterHeal = "every_payment_settles_after_heal"
    case answerAfterRecovery = "answer_after_recovery"
    case cancelOfAuthorizedPayment = "cancel_of_authorized_payment"

    // Settlement, the networks and webhooks, at the end of the run
    case merchantBalancesAsExpected = "settlement_matches_captured_less_fees_refunds_disputes"
    case noNetworkObligationLeftOwed = "no_network_obligation_left_owed"
    case settlementReconcilesWithNetworkFiles = "settlement_reconciles_with_network_files"
    case everyEventDeliveredOrDeadLettered = "every_event_delivered_or_dead_lettered"

    // The run itself
    case deterministicRunStaysOnItsExecutor = "deterministic_run_stays_on_its_executor"
    case serviceRestartSucceeds = "service_restart_succeeds"

    // Crashes: what the restarted system kept, and what recovery itself checks of the journal
    // it replays (`PaymentRecoveryReport`, under its names with a `recovery_` prefix)
    case acknowledgedSurvivesCrash = "acknowledged_survives_crash"
    case recoveryAcknowledgedAnswersWereDurable = "recovery_acknowledged_answers_were_durable"
    case recoveryCapturedPaymentsBookedOnce = "recovery_captured_payments_booked_once"
    case recoveryEveryJournaledTransferReplayed = "recovery_every_journaled_transfer_replayed"
    case recoveryLedgerReconciles = "recovery_ledger_reconciles"
    case recoveryNoPaymentCapturedTwice = "recovery_no_payment_captured_twice"
    case recoveryOnePaymentPerIdempotencyKey = "recovery_one_payment_per_idempotency_key"
    case recoveryPaymentAmountsWithinBounds = "recovery_payment_amounts_within_bounds"
    case recoveryPaymentsBelongToOnboardedMerchants = "recovery_payments_belong_to_onboarded_merchants"
    case recoverySucceeds = "recovery_succeeds"
    case webhooksOwedAfterRecoveryDelivered = "webhooks_owed_after_recovery_delivered"
    case journalSnapshotsWritten = "journal_snapshots_written"

    // Over the wire: what the API and the webhook receiver show a client
    case acknowledgedPaymentRetrievableAsTold = "acknowledged_payment_retrievable_as_told"
    case refundsListedWithinCaptured = "refunds_listed_within_captured"
    case webhookSignaturesValid = "webhook_signatures_valid"
    case acknowledgedPaymentEventsDeliveredOrDeadLettered =
        "acknowledged_payment_events_delivered_or_dead_lettered"
    case auditLedgerBalancedPerCurrency = "audit_ledger_balanced_per_currency"

    /// The invariant of one of recovery's own checks (`PaymentRecoveryReport.Invariant.name`);
    /// nil for a check this list does not name yet.
    public init?(recoveryCheck name: String) {
        self.init(rawValue: "recovery_" + name)
    }
}

extension RunReport.InvariantResult {
    /// The result of `invariant`: it holds when nothing violated it.
    init(_ invariant: Invariant, violations: Int, examples: [String]) {
        self.init(
            name: invariant.rawValue, holds: violations == 0, violations: violations, examples: examples)
    }
}
