/// One account's (or one stripe's) totals at a point in time, for invariant checks.
///
/// The balance is credit-normal: `creditsPosted - debitsPosted`. Pending amounts are holds made
/// by pending transfers (and, transiently, reservations of cross-shard transfers being
/// prepared); they are not part of the balance but count against the account's limits.
public struct AccountSnapshot: Hashable, Sendable, CustomStringConvertible {
    public var account: AccountID
    public var flags: AccountFlags
    public var debitsPosted: Int64
    public var creditsPosted: Int64
    public var debitsPending: Int64
    public var creditsPending: Int64

    public init(
        account: AccountID, flags: AccountFlags = [], debitsPosted: Int64 = 0, creditsPosted: Int64 = 0,
        debitsPending: Int64 = 0, creditsPending: Int64 = 0
    ) {
        self.account = account
        self.flags = flags
        self.debitsPosted = debitsPosted
        self.creditsPosted = creditsPosted
        self.debitsPending = debitsPending
        self.creditsPending = creditsPending
    }

    /// Posted credits less posted debits. Cannot overflow: both are non-negative Int64s.
    public var balance: Int64 { creditsPosted - debitsPosted }

    /// What a `debitsMustNotExceedCredits` account can still be debited: the balance less holds.
    public var available: Int64 { creditsPosted - debitsPosted - debitsPending }

    public var description: String {
        "\(account) balance=\(balance) debits=\(debitsPosted)+\(debitsPending)pending "
            + "credits=\(creditsPosted)+\(creditsPending)pending"
    }

    /// Adds another stripe's totals (saturating: a logical account's stripes together may exceed
    /// Int64 only in a degenerate run, and then the sum is reported clamped, not trapped).
    mutating func add(_ other: AccountSnapshot) {
        debitsPosted = Self.saturatingAdd(debitsPosted, other.debitsPosted)
        creditsPosted = Self.saturatingAdd(creditsPosted, other.creditsPosted)
        debitsPending = Self.saturatingAdd(debitsPending, other.debitsPending)
        creditsPending = Self.saturatingAdd(creditsPending, other.creditsPending)
    }

    private static func saturatingAdd(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }
}
