/// A batch of two-leg transfers (debit one account, credit another), as columns: what a client
/// hands `BatchLedger.submit` in one call, TigerBeetle's `create_transfers` shape.
///
/// Columns rather than an array of `Transfer`s: a `Transfer` carries its legs in an array of
/// its own, one allocation per transfer; here a batch of any size is five allocations, made
/// once and reused (`removeAll(keepingCapacity:)`) by a client that submits batch after batch.
public struct TransferBatch: Sendable, Hashable {
    /// Unique per ledger, never 0 or `UInt64.max`.
    public private(set) var ids: [UInt64] = []
    /// Account numbers, 1 through the ledger's `accountCount`.
    public private(set) var debitAccounts: [UInt32] = []
    public private(set) var creditAccounts: [UInt32] = []
    /// Minor units, positive.
    public private(set) var amounts: [Int64] = []
    /// Why the money moves, in the caller's vocabulary.
    public private(set) var codes: [UInt16] = []

    public init(capacity: Int = 0) {
        reserveCapacity(capacity)
    }

    public var count: Int { ids.count }
    public var isEmpty: Bool { ids.isEmpty }

    public mutating func reserveCapacity(_ capacity: Int) {
        ids.reserveCapacity(capacity)
        debitAccounts.reserveCapacity(capacity)
        creditAccounts.reserveCapacity(capacity)
        amounts.reserveCapacity(capacity)
        codes.reserveCapacity(capacity)
    }

    /// Adds a transfer of `amount` from `debitAccount` to `creditAccount`.
    @inline(__always)
    public mutating func append(
        id: UInt64, debitAccount: UInt32, creditAccount: UInt32, amount: Int64, code: UInt16 = 0
    ) {
        ids.append(id)
        debitAccounts.append(debitAccount)
        creditAccounts.append(creditAccount)
        amounts.append(amount)
        codes.append(code)
    }

    public mutating func removeAll(keepingCapacity: Bool = true) {
        ids.removeAll(keepingCapacity: keepingCapacity)
        debitAccounts.removeAll(keepingCapacity: keepingCapacity)
        creditAccounts.removeAll(keepingCapacity: keepingCapacity)
        amounts.removeAll(keepingCapacity: keepingCapacity)
        codes.removeAll(keepingCapacity: keepingCapacity)
    }

    /// The transfer at `index`, as one value (for tests and error reports, not the hot path).
    public subscript(index: Int) -> BookedTransfer {
        BookedTransfer(
            id: ids[index], debitAccount: debitAccounts[index], creditAccount: creditAccounts[index],
            amount: amounts[index], code: codes[index])
    }
}
