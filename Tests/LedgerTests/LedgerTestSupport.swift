import Core
import Ledger

/// Shorthands for ledger tests.
enum Fixture {
    static let merchantA = MerchantID(1)
    static let merchantB = MerchantID(2)

    /// A transfer id from producer `producer`, sequence `sequence` (the layout the
    /// deduplication window expects).
    static func id(_ sequence: UInt32, producer: UInt32 = 1) -> TransferID {
        TransferID(UInt64(producer) << 32 | UInt64(sequence))
    }

    /// Funds `merchant`'s USD balance with `amount` from the Visa receivable.
    static func fund(_ merchant: MerchantID, _ amount: Int64, id: TransferID) -> Transfer {
        Transfer(
            id: id, currency: .usd, debit: .networkReceivable(.visa, .usd),
            credit: .merchantBalance(merchant, .usd), amount: amount)
    }
}
