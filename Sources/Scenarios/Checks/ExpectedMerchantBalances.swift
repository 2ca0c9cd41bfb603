import Core
import Ledger
import Services
import Synchronization

/// Each merchant's balance as the run's own payments say it must be, per currency: what their
/// captures credited less fees, refunds, bank returns and disputes (a won dispute gives its
/// amount and fee back), less what settlement paid out. The invariant checker compares it with
/// the ledger's merchant balances.
///
/// Derived by the checker from the payments, not kept by the processor: a shadow ledger in the
/// merchant actor cost an actor hop per money movement, for the sake of one invariant.
/// Journeys fold their payment in when they retire it (a retired payment is forgotten by the
/// system); the checker folds in those still held at the end.
final class ExpectedMerchantBalances: Sendable {
    private struct State {
        /// The merchants' balance accounts and what the payments moved on them.
        var nets: [AccountID: Int64] = [:]
        /// Balances a resumed run starts from: what the journal's earlier runs left, beyond the
        /// payments still held then (those are folded in again when they end).
        var opening: [AccountID: Int64] = [:]
        /// Accounts whose sum left Int64: reported as violations, never wrapped.
        var overflowed: Set<AccountID> = []
    }

    private let state = Mutex(State())

    /// What `record` moved on its merchant's balance in the settlement currency: positive is a
    /// credit. A bank return takes back what the capture credited (`returnedSettled`, or the
    /// captured amount for a payment recovered from the journal, which keeps no return amount).
    static func net(of record: PaymentRecord) -> Int64 {
        var net = record.capturedSettled - record.feeSettled - record.refundedSettled
        if case .returned = record.payment.state {
            net -= record.returnedSettled != 0 ? record.returnedSettled : record.capturedSettled
        }
        if record.payment.dispute?.status != .won {
            net -= record.disputedSettled + record.disputeFeeSettled
        }
        return net
    }

    /// Folds in a payment whose journey ended (or that is still held at the end of the run).
    func add(_ record: PaymentRecord) {
        add(Self.net(of: record), to: record.merchant, in: record.parties.settlement)
    }

    /// Folds in `net` moved on `merchant`'s balance in `currency`.
    func add(_ net: Int64, to merchant: MerchantID, in currency: Currency) {
        guard net != 0 else { return }
        let account = AccountID.merchantBalance(merchant, currency)
        state.withLock { Self.add(net, to: account, in: &$0.nets, overflowed: &$0.overflowed) }
    }

    /// A resumed run starts from the balances its journal's earlier runs left: each merchant's
    /// ledger balance plus what it was paid out, less what the payments still held account for
    /// (they are folded in again when their journeys or the run end).
    func open(from system: PaymentSystem) async {
        var opening: [AccountID: Int64] = [:]
        var overflowed: Set<AccountID> = []
        for account in await system.merchants.allAccounts() {
            let id = AccountID.merchantBalance(account.id, account.settlementCurrency)
            let balance = await system.ledger.balance(of: id).balance
            Self.add(balance, to: id, in: &opening, overflowed: &overflowed)
            Self.add(account.paidOut, to: id, in: &opening, overflowed: &overflowed)
        }
        for record in await system.orchestrator.allPayments() {
            let net = Self.net(of: record)
            let id = AccountID.merchantBalance(record.merchant, record.parties.settlement)
            Self.add(-net, to: id, in: &opening, overflowed: &overflowed)
        }
        state.withLock {
            $0.opening = opening
            $0.overflowed.formUnion(overflowed)
        }
    }

    private static func add(
        _ amount: Int64, to account: AccountID, in sums: inout [AccountID: Int64],
        overflowed: inout Set<AccountID>
    ) {
        let (sum, overflow) = sums[account, default: 0].addingReportingOverflow(amount)
        if overflow { overflowed.insert(account) } else { sums[account] = sum }
    }

    /// Every merchant balance whose ledger figure differs from what the payments and payouts
    /// say, in either direction: accounts the ledger has that no payment explains, and accounts
    /// the payments moved that the ledger lacks.
    /// - Parameters:
    ///   - ledger: the ledger's balance of every account (the merchant balances are read).
    ///   - paidOut: what settlement paid each merchant, in its settlement currency.
    func mismatches(
        ledger: [AccountSnapshot], paidOut: [MerchantID: (Currency, Int64)]
    ) -> [String] {
        var (nets, opening, overflowed) = state.withLock { ($0.nets, $0.opening, $0.overflowed) }
        for (account, amount) in opening { Self.add(amount, to: account, in: &nets, overflowed: &overflowed) }
        for (merchant, (currency, amount)) in paidOut {
            Self.add(-amount, to: .merchantBalance(merchant, currency), in: &nets, overflowed: &overflowed)
        }
        var problems: [String] = []
        for snapshot in ledger where snapshot.account.kind == .merchantBalance {
            let expected = nets.removeValue(forKey: snapshot.account) ?? 0
            guard !overflowed.contains(snapshot.account), snapshot.balance != expected else { continue }
            problems.append(Self.describe(snapshot.account, ledger: snapshot.balance, expected: expected))
        }
        for (account, expected) in nets.sorted(by: { $0.key < $1.key }) where expected != 0 {
            problems.append(Self.describe(account, ledger: 0, expected: expected))
        }
        for account in overflowed.sorted() {
            problems.append("\(Self.name(account)): the expected balance does not fit in Int64")
        }
        return problems
    }

    private static func describe(_ account: AccountID, ledger: Int64, expected: Int64) -> String {
        "\(name(account)): ledger \(ledger), expected \(expected)"
    }

    private static func name(_ account: AccountID) -> String {
        "\(account.merchant.map { "\($0)" } ?? "\(account.owner)") \(account.currency?.code ?? "?")"
    }
}
