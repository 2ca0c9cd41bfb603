/// Balance limits an account enforces, counting pending holds (TigerBeetle's account flags).
public struct AccountFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Posted and pending debits together may not exceed posted credits: the account cannot be
    /// overdrawn, not even by holds. A merchant balance is such an account.
    public static let debitsMustNotExceedCredits = AccountFlags(rawValue: 1 << 0)
    /// Posted and pending credits together may not exceed posted debits.
    public static let creditsMustNotExceedDebits = AccountFlags(rawValue: 1 << 1)

    public var description: String {
        var parts: [String] = []
        if contains(.debitsMustNotExceedCredits) { parts.append("debits_must_not_exceed_credits") }
        if contains(.creditsMustNotExceedDebits) { parts.append("credits_must_not_exceed_debits") }
        return "[" + parts.joined(separator: ", ") + "]"
    }
}
