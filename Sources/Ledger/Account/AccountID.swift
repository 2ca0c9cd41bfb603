import Core

/// Names one ledger account: its kind, currency, owner (merchant accounts), network (network
/// accounts) and stripe (hot accounts).
///
/// Two machine words, compared and hashed as such, because an account id is looked up once per
/// leg on the ledger's hot path. `tag` packs `kind << 56 | currency << 48 | network << 40 |
/// stripe`; `owner` is the merchant's raw id, 0 for system accounts.
///
/// Callers name the *logical* account (stripe 0). The ledger picks the stripe of a hot account
/// per transfer; `balance(of:)` sums all stripes of a logical account.
public struct AccountID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The merchant's raw id for merchant accounts, 0 otherwise.
    public let owner: UInt64
    /// Kind, currency, network and stripe, packed.
    public let tag: UInt64

    @usableFromInline init(owner: UInt64, tag: UInt64) {
        self.owner = owner
        self.tag = tag
    }

    init(kind: AccountKind, currencyIndex: Int, network: UInt8, owner: UInt64, stripe: UInt16 = 0) {
        self.owner = owner
        self.tag =
            UInt64(kind.rawValue) << 56 | UInt64(UInt8(truncatingIfNeeded: currencyIndex)) << 48
            | UInt64(network) << 40 | UInt64(stripe)
    }

    // MARK: Constructors

    public static func merchantBalance(_ merchant: MerchantID, _ currency: Currency) -> AccountID {
        AccountID(kind: .merchantBalance, currencyIndex: currency.index, network: 0, owner: merchant.rawValue)
    }

    public static func merchantPending(_ merchant: MerchantID, _ currency: Currency) -> AccountID {
        AccountID(kind: .merchantPending, currencyIndex: currency.index, network: 0, owner: merchant.rawValue)
    }

    public static func merchantReserve(_ merchant: MerchantID, _ currency: Currency) -> AccountID {
        AccountID(kind: .merchantReserve, currencyIndex: currency.index, network: 0, owner: merchant.rawValue)
    }

    public static func customerFunds(_ currency: Currency) -> AccountID {
        system(.customerFunds, currency)
    }

    public static func networkReceivable(_ network: PaymentNetwork, _ currency: Currency) -> AccountID {
        AccountID(
            kind: .networkReceivable, currencyIndex: currency.index, network: network.accountCode, owner: 0)
    }

    public static func networkPayable(_ network: PaymentNetwork, _ currency: Currency) -> AccountID {
        AccountID(
            kind: .networkPayable, currencyIndex: currency.index, network: network.accountCode, owner: 0)
    }

    public static func feesRevenue(_ currency: Currency) -> AccountID { system(.feesRevenue, currency) }
    public static func fx(_ currency: Currency) -> AccountID { system(.fx, currency) }
    public static func refundsReserve(_ currency: Currency) -> AccountID { system(.refundsReserve, currency) }
    public static func disputesReserve(_ currency: Currency) -> AccountID {
        system(.disputesReserve, currency)
    }
    public static func bank(_ currency: Currency) -> AccountID { system(.bank, currency) }

    private static func system(_ kind: AccountKind, _ currency: Currency) -> AccountID {
        AccountID(kind: kind, currencyIndex: currency.index, network: 0, owner: 0)
    }

    // MARK: Fields

    /// The account's kind; nil only for an id that was not made by one of the constructors.
    public var kind: AccountKind? { AccountKind(rawValue: UInt8(truncatingIfNeeded: tag >> 56)) }

    var currencyIndex: Int { Int(UInt8(truncatingIfNeeded: tag >> 48)) }

    public var currency: Currency? {
        let index = currencyIndex
        return index < Currency.all.count ? Currency.all[index] : nil
    }

    public var network: PaymentNetwork? { PaymentNetwork(accountCode: UInt8(truncatingIfNeeded: tag >> 40)) }

    public var merchant: MerchantID? {
        kind?.isMerchantAccount == true ? MerchantID(owner) : nil
    }

    /// Which stripe of a hot account this is; 0 for the logical account and for cold accounts.
    public var stripe: Int { Int(UInt16(truncatingIfNeeded: tag)) }

    /// Whether the ledger spreads this account over several shards.
    public var isStriped: Bool { kind?.isStriped ?? false }

    /// The logical account: this id with stripe 0.
    public var logical: AccountID { AccountID(owner: owner, tag: tag & ~0xFFFF) }

    /// This account's stripe `stripe`.
    func withStripe(_ stripe: Int) -> AccountID {
        AccountID(owner: owner, tag: (tag & ~0xFFFF) | UInt64(UInt16(truncatingIfNeeded: stripe)))
    }

    // MARK: Hashing, order, text

    /// One combine of a pre-mixed word: cheaper than hashing both words, and collisions only cost
    /// a comparison.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(owner &* 0x9E37_79B9_7F4A_7C15 ^ tag)
    }

    /// A fixed (process-independent) 64-bit mix of the logical account, for shard placement and
    /// digests; Swift's `Hasher` is seeded per process and must not decide placement.
    var placementHash: UInt64 { LedgerMix.mix(owner ^ LedgerMix.mix(tag & ~0xFFFF)) }

    public static func < (lhs: AccountID, rhs: AccountID) -> Bool {
        (lhs.tag, lhs.owner) < (rhs.tag, rhs.owner)
    }

    /// `merchant_balance:acct_00000000000007:USD`, `fees_revenue:EUR#3` (stripe 3),
    /// `network_receivable:visa:USD`.
    public var description: String {
        var text = kind.map { String(describing: $0) } ?? "account(\(tag))"
        if let merchant { text += ":\(merchant)" }
        if let network { text += ":\(network)" }
        text += ":" + (currency?.code ?? "?")
        if stripe != 0 { text += "#\(stripe)" }
        return text
    }
}

/// Fixed integer mixing functions (SplitMix64's finalizer) used for placement and digests.
enum LedgerMix {
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// One FNV-1a-style step over a 64-bit word: order-sensitive, for trace digests.
    @inline(__always)
    static func fold(_ digest: UInt64, _ value: UInt64) -> UInt64 {
        (digest ^ mix(value)) &* 0x0000_0100_0000_01b3
    }

    static let digestSeed: UInt64 = 0xcbf2_9ce4_8422_2325
}
