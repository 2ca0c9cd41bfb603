import Core

/// The shape of a built-in ledger run: random balanced transfers of the kinds a payment
/// processor books (captures with fees, refunds, payouts, authorization holds posted or
/// voided), from several concurrent producers, with deliberate redeliveries.
public struct LedgerWorkloadConfiguration: Sendable {
    public var seed: UInt64 = 42
    public var shardCount = 8
    public var merchants = 10_000
    public var currencies: [Currency] = [.usd, .eur, .gbp, .jpy]
    /// Concurrent producer tasks, each submitting its own batches.
    public var producers = 16
    /// Distinct transfers in total (redeliveries are on top of these).
    public var transfers = 100_000
    /// Transfers per `submit` call.
    public var batchSize = 64
    /// Chance that a producer also resubmits one of its recent transfers: exactly-once must
    /// turn each into `alreadyApplied` (or into its first application, if the original was
    /// refused).
    public var redeliveryRate = 0.02
    /// Share of transfers that are authorization holds (pending), later posted or voided.
    public var holdShare = 0.25
    /// Merchant balances refuse to go below zero, counting holds, so refunds and payouts can be
    /// refused for insufficient funds: the limit check is part of what is exercised.
    public var merchantBalancesMustNotGoNegative = true

    public init() {}

    func validate() throws(LedgerError) {
        func check(_ condition: Bool, _ reason: String) throws(LedgerError) {
            if !condition { throw .invalidConfiguration(reason) }
        }
        try check(merchants >= 1 && merchants <= 10_000_000, "merchants not in 1...10000000")
        try check(!currencies.isEmpty, "no currencies")
        try check(producers >= 1 && producers <= 4_096, "producers not in 1...4096")
        try check(transfers >= 0, "transfers must not be negative")
        try check(batchSize >= 1 && batchSize <= 65_536, "batchSize not in 1...65536")
        try check((0...1).contains(redeliveryRate), "redeliveryRate not in 0...1")
        try check((0...1).contains(holdShare), "holdShare not in 0...1")
    }
}
