/// Sizes and limits of a `BatchLedger`. Every structure it holds is allocated from these once,
/// when it is created.
public struct BatchLedgerConfiguration: Sendable, Hashable {
    /// The largest account count: account numbers are `UInt32` and every account is
    /// preallocated (32 bytes each).
    public static let accountCountMax = 1 << 26
    /// The largest transfer capacity (134M): its store and id table, about 50 bytes a
    /// transfer, are reserved up front, so a larger one would ask for more memory than this
    /// machine kind has (24 GiB) instead of being refused.
    public static let transferCapacityMax = 1 << 27
    /// The largest batch: its journal record (26 bytes a transfer) must fit the journals'
    /// default record limit of 1 MiB.
    public static let batchMaxLimit = 32_768

    /// Accounts 1 through `accountCount` exist from the start.
    public var accountCount: Int
    /// Transfers the ledger can hold in its life; a transfer beyond it is refused
    /// (`ledgerFull`). Its store (40 bytes a transfer) and id table (8-11 bytes) are reserved up
    /// front, so the hot path never grows them.
    public var transferCapacity: Int
    /// Transfers per `submit` call.
    public var batchMax: Int = 8_189

    public init(accountCount: Int, transferCapacity: Int) {
        self.accountCount = accountCount
        self.transferCapacity = transferCapacity
    }

    func validate() throws(LedgerError) {
        func check(_ condition: Bool, _ reason: String) throws(LedgerError) {
            if !condition { throw .invalidConfiguration(reason) }
        }
        try check(
            (1...Self.accountCountMax).contains(accountCount),
            "accountCount \(accountCount) not in 1...\(Self.accountCountMax)")
        try check(
            (0...Self.transferCapacityMax).contains(transferCapacity),
            "transferCapacity \(transferCapacity) not in 0...\(Self.transferCapacityMax)")
        try check(
            (1...Self.batchMaxLimit).contains(batchMax),
            "batchMax \(batchMax) not in 1...\(Self.batchMaxLimit)")
    }
}
