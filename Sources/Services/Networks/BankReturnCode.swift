/// Why a bank debit came back, in NACHA's return-code vocabulary.
public enum BankReturnCode: String, Hashable, Sendable, CaseIterable, Codable, CustomStringConvertible {
    /// Insufficient funds.
    case r01 = "R01"
    /// Account closed.
    case r02 = "R02"
    /// No account / unable to locate account.
    case r03 = "R03"
    /// Invalid account number.
    case r04 = "R04"
    /// Customer advises not authorized.
    case r10 = "R10"
    /// Account frozen.
    case r16 = "R16"

    public var description: String { rawValue }
}
