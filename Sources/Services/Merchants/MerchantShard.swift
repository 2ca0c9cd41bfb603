import Core
import PaystormRuntime

/// The actor that owns a slice of the merchants (by id). Merchants are created on first use:
/// a Black-Friday population of 500,000 costs nothing until a merchant takes a payment.
actor MerchantShard {
    private var accounts: [MerchantID: MerchantAccount] = [:]

    /// The merchant, created with `make` if it does not exist yet; `created` tells which.
    func account(
        _ id: MerchantID, orCreate make: @Sendable () -> MerchantAccount
    ) -> (account: MerchantAccount, created: Bool) {
        if let account = accounts[id] { return (account, false) }
        let account = make()
        accounts[id] = account
        return (account, true)
    }

    func existing(_ id: MerchantID) -> MerchantAccount? { accounts[id] }

    /// Forgets an account whose onboarding could not be made durable.
    func remove(_ id: MerchantID) { accounts[id] = nil }

    /// Puts back a merchant rebuilt from the journal.
    func restore(_ account: MerchantAccount) {
        accounts[account.id] = account
    }

    func recordPayment(_ id: MerchantID) { accounts[id]?.payments += 1 }

    /// A bank debit came back (the ledger takes back what its capture credited).
    func recordBankReturn(_ id: MerchantID) {
        accounts[id]?.bankReturns += 1
    }

    func recordPayout(_ id: MerchantID, _ amount: Int64) {
        accounts[id]?.paidOut += amount
    }

    func allAccounts() -> [MerchantAccount] { accounts.values.sorted { $0.id < $1.id } }
}
