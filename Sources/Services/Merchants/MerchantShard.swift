import Core
import PaystormRuntime

/// The actor that owns a slice of the merchants (by id). Merchants are created on first use:
/// a Black-Friday population of 500,000 costs nothing until a merchant takes a payment.
actor MerchantShard {
    private var accounts: [MerchantID: MerchantAccount] = [:]
    /// Merchants whose balance changed since the last payout run.
    private var active: Set<MerchantID> = []

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

    /// Puts back a merchant rebuilt from the journal; it takes part in the next payout run.
    func restore(_ account: MerchantAccount) {
        accounts[account.id] = account
        active.insert(account.id)
    }

    func recordPayment(_ id: MerchantID) { accounts[id]?.payments += 1 }

    func adjustEarned(_ id: MerchantID, by delta: Int64) {
        guard accounts[id] != nil else { return }
        accounts[id]!.earned += delta
        active.insert(id)
    }

    /// A bank debit came back: the merchant gives back what its capture earned it.
    func recordBankReturn(_ id: MerchantID, _ settled: Int64) {
        guard accounts[id] != nil else { return }
        accounts[id]!.earned -= settled
        accounts[id]!.bankReturns += 1
        active.insert(id)
    }

    func recordPayout(_ id: MerchantID, _ amount: Int64) {
        accounts[id]?.paidOut += amount
    }

    /// The merchants active since the last call, sorted (so payouts are booked in a fixed order).
    func takeActive() -> [MerchantID] {
        defer { active.removeAll(keepingCapacity: true) }
        return active.sorted()
    }

    func allAccounts() -> [MerchantAccount] { accounts.values.sorted { $0.id < $1.id } }
}
