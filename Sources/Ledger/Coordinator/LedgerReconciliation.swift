import Core

/// The ledger's own audit: does every currency balance, and does every transfer?
///
/// Per currency, posted debits must equal posted credits (each transfer is balanced, so their
/// difference is the sum of every imbalance ever booked) and the account balances, summed from
/// the accounts themselves rather than from running totals, must agree. Per transfer, the parts
/// booked on each shard must sum to zero: that catches a transfer half-booked across shards,
/// which per-currency totals would only catch if nothing else compensated it.
public struct LedgerReconciliation: Sendable, CustomStringConvertible {
    /// One currency's totals over all shards.
    public struct CurrencyLine: Sendable, Hashable {
        public var currency: Currency
        public var debitsPosted: Int128
        public var creditsPosted: Int128
        public var debitsPending: Int128
        public var creditsPending: Int128
        /// Credits less debits: zero when balanced.
        public var imbalance: Int128 { creditsPosted - debitsPosted }
        /// Sum of the balances of every account: zero when balanced.
        public var accountBalanceSum: Int128
        /// Pending amounts summed from the accounts; minus the open holds, what is reserved by
        /// cross-shard transfers being prepared right now (zero when the ledger is quiet).
        public var accountDebitsPending: Int128
        public var accountCreditsPending: Int128
        /// Sum over shards of every posted transfer's part times a mix of its id: zero iff each
        /// transfer balanced (up to a 2^-64 chance), over the whole run, in constant memory.
        public var transferFingerprint: UInt64
        public var transfers: UInt64

        public var isBalanced: Bool {
            imbalance == 0 && accountBalanceSum == 0 && debitsPending == creditsPending
                && transferFingerprint == 0
        }
    }

    /// Currencies with any activity, in `Currency.all` order.
    public var currencies: [CurrencyLine] = []
    /// Transfers whose parts on all shards are still in the shards' recent history and were
    /// checked one by one.
    public var transfersChecked = 0
    /// Checked transfers whose parts do not sum to zero (at most 100 listed).
    public var unbalancedTransfers: [TransferID] = []
    public var unbalancedTransferCount = 0
    /// Transfers committed, over all shards' parts (a cross-shard transfer counts once per shard).
    public var shardCommits: UInt64 = 0
    public var openPending = 0
    /// Cross-shard transfers prepared but not yet committed or released.
    public var inFlight = 0

    public var isBalanced: Bool { currencies.allSatisfy(\.isBalanced) && unbalancedTransferCount == 0 }

    init(parts: [ShardReconciliation]) {
        for (index, currency) in Currency.all.enumerated() {
            var line = CurrencyLine(
                currency: currency, debitsPosted: 0, creditsPosted: 0, debitsPending: 0, creditsPending: 0,
                accountBalanceSum: 0, accountDebitsPending: 0, accountCreditsPending: 0,
                transferFingerprint: 0,
                transfers: 0)
            for part in parts {
                let totals = part.totals[index]
                line.debitsPosted += totals.debitsPosted
                line.creditsPosted += totals.creditsPosted
                line.debitsPending += totals.debitsPending
                line.creditsPending += totals.creditsPending
                line.transferFingerprint &+= totals.fingerprint
                line.transfers &+= totals.transfers
                line.accountBalanceSum += part.balanceSums[index]
                line.accountDebitsPending += part.accountDebitsPending[index]
                line.accountCreditsPending += part.accountCreditsPending[index]
            }
            if line.transfers > 0 || line.accountBalanceSum != 0 { currencies.append(line) }
        }
        var nets: [UInt64: (net: Int64, legs: Int, legsTotal: Int)] = [:]
        for part in parts {
            shardCommits &+= part.committed
            openPending += part.openPending
            inFlight += part.inFlight
            for net in part.nets {
                var entry = nets[net.id] ?? (0, 0, Int(net.legsTotal))
                entry.net &+= net.net
                entry.legs += Int(net.legs)
                nets[net.id] = entry
            }
        }
        var unbalanced: [TransferID] = []
        for (id, entry) in nets where entry.legs == entry.legsTotal {
            transfersChecked += 1
            if entry.net != 0 { unbalanced.append(TransferID(id)) }
        }
        unbalancedTransferCount = unbalanced.count
        unbalancedTransfers = Array(unbalanced.sorted().prefix(100))
    }

    public var description: String {
        var lines = currencies.map { line in
            "\(line.currency.code): debits \(line.debitsPosted) credits \(line.creditsPosted) "
                + "imbalance \(line.imbalance) pending \(line.debitsPending)/\(line.creditsPending) "
                + "transfers \(line.transfers)"
        }
        lines.append(
            "transfers checked \(transfersChecked), unbalanced \(unbalancedTransferCount), "
                + "open pending \(openPending), in flight \(inFlight)")
        return lines.joined(separator: "\n")
    }
}
