import Core
import Ledger

/// The daily settlement: the bank rail's returns are applied, captured payments become settled,
/// and every merchant is paid out what the ledger holds for it (captured less fees, refunds,
/// returns and disputes), read from the ledger itself rather than from a tally of what moved.
/// A negative balance is not paid; it is carried over and nets against the next day's captures.
struct SettlementRun: Sendable {
    let orchestrator: PaymentOrchestrator
    let ledger: ShardedLedger
    let merchants: MerchantDirectory

    func run() async -> SettlementSummary {
        var summary = SettlementSummary()
        summary.bankReturns = await orchestrator.processBankReturns()
        for shard in orchestrator.shards {
            for id in shard.capturedUnsettled()
            where (try? await orchestrator.run(.settlementDue, id)) != nil {
                summary.paymentsSettled += 1
            }
        }
        for (index, shard) in merchants.shards.enumerated() {
            let transferIDs = PayoutIDs(shard: index)
            // In id order, so that payouts are booked in a fixed order.
            for account in shard.allAccounts() {
                let merchant = account.id
                let currency = account.settlementCurrency
                let balance = await ledger.balance(of: .merchantBalance(merchant, currency)).balance
                guard balance > 0 else {
                    if balance < 0 { summary.negativeBalancesCarried += 1 }
                    continue
                }
                let id = await transferIDs.next(orchestrator)
                let payout = PaymentBookkeeping.payout(
                    id, merchant: merchant, currency: currency, amount: balance)
                guard
                    (try? await orchestrator.book(
                        PaymentProcess.Booking(transfers: [payout], purpose: .payout), for: PaymentID(0)))
                        != nil
                else { continue }
                shard.recordPayout(merchant, balance)
                summary.payouts += 1
                summary.paidOut[currency.code, default: 0] += balance
                summary.payoutsByCurrency[currency.code, default: 0] += 1
            }
        }
        return summary
    }
}

/// Payout transfer ids come from the payment shards' allocators (one producer sequence each).
private struct PayoutIDs {
    let shard: Int

    func next(_ orchestrator: PaymentOrchestrator) async -> TransferID {
        orchestrator.shards[shard % orchestrator.shards.count].nextTransferIDs(1)[0]
    }
}
