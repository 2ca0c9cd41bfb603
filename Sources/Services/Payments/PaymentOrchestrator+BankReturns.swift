import Core
import Ledger

extension PaymentOrchestrator {
    /// Applies the bank rail's returns that are due: each returned debit's payment goes to
    /// `returned` (events `charge.failed`, `payment_intent.payment_failed`), its booking is
    /// reversed in the ledger (the receivable cleared, the merchant debited what the capture
    /// credited it) and the merchant's view follows. Returns how many were applied.
    ///
    /// Stripe's semantics for ACH and SEPA debits: the charge succeeded, and days later the
    /// customer's bank sent it back; the PaymentIntent goes back to `requires_payment_method`
    /// and, if the money was already paid out, the merchant's balance goes negative (carried
    /// over by settlement). A return that cannot be applied (payment retired, or refunded or
    /// disputed meanwhile) is counted, never dropped silently.
    public func processBankReturns() async -> Int {
        guard let rail = networks[.bankRail] else { return 0 }
        var applied = 0
        for notice in rail.takeReturnsDue() {
            do throws(PaymentServiceError) {
                try await applyBankReturn(notice)
                applied += 1
            } catch {
                // Counted, not a ledger violation: the settlement reconciliation names the
                // payment, whose line in the rail's file the ledger then does not match.
                counters.withLock { $0.bankReturnsNotApplied += 1 }
            }
        }
        return applied
    }

    /// The transition first: it is the reservation (a refund or dispute racing it is refused).
    private func applyBankReturn(_ notice: BankReturnNotice) async throws(PaymentServiceError) {
        try await run(.bankReturned(notice), notice.paymentID)
    }
}
