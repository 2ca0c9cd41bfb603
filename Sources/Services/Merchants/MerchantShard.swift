import Core
import PaystormRuntime
import Synchronization

/// A slice of the merchants (by id). Merchants are created on first use: a Black-Friday
/// population of 500,000 costs nothing until a merchant takes a payment.
///
/// A lock rather than an actor: nothing here suspends, and a payment asks for its merchant and
/// counts its payment here, two hops there and back (four executor jobs) for no ordering the
/// lock does not give.
final class MerchantShard: Sendable {
    private let accounts = Mutex<[MerchantID: MerchantAccount]>([:])

    /// The merchant, created with `make` if it does not exist yet; `created` tells which.
    func account(
        _ id: MerchantID, orCreate make: () -> MerchantAccount
    ) -> (account: MerchantAccount, created: Bool) {
        accounts.withLock { accounts in
            if let account = accounts[id] { return (account, false) }
            let account = make()
            accounts[id] = account
            return (account, true)
        }
    }

    func existing(_ id: MerchantID) -> MerchantAccount? { accounts.withLock { $0[id] } }

    /// Forgets an account whose onboarding could not be made durable.
    func remove(_ id: MerchantID) { accounts.withLock { $0[id] = nil } }

    /// Puts back a merchant rebuilt from the journal.
    func restore(_ account: MerchantAccount) {
        accounts.withLock { $0[account.id] = account }
    }

    func recordPayment(_ id: MerchantID) { change(id) { $0.payments += 1 } }

    /// A bank debit came back (the ledger takes back what its capture credited).
    func recordBankReturn(_ id: MerchantID) { change(id) { $0.bankReturns += 1 } }

    func recordPayout(_ id: MerchantID, _ amount: Int64) { change(id) { $0.paidOut += amount } }

    /// Changes a known account in place, through its index: `accounts[id]?.field += 1` goes
    /// through the dictionary's optional `_modify`, whose coroutine frame (an account is
    /// larger than its inline buffer) was two allocations on every payment.
    private func change(_ id: MerchantID, _ body: (inout MerchantAccount) -> Void) {
        accounts.withLock { accounts in
            guard let index = accounts.index(forKey: id) else { return }
            body(&accounts.values[index])
        }
    }

    func allAccounts() -> [MerchantAccount] { accounts.withLock { $0.values.sorted { $0.id < $1.id } } }
}
