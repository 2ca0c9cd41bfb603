import Core
import Ledger
import Testing

/// One ledger entry as a lifecycle test states it: what it did, on which side of which logical
/// account (stripes folded), for how much.
struct BookedEntry: Hashable, Comparable, CustomStringConvertible {
    var kind: LedgerEntry.Kind
    var side: Transfer.Side
    var account: AccountID
    var amount: Int64

    static func posted(_ side: Transfer.Side, _ account: AccountID, _ amount: Int64) -> BookedEntry {
        BookedEntry(kind: .posted, side: side, account: account, amount: amount)
    }
    static func held(_ side: Transfer.Side, _ account: AccountID, _ amount: Int64) -> BookedEntry {
        BookedEntry(kind: .held, side: side, account: account, amount: amount)
    }
    static func holdPosted(_ side: Transfer.Side, _ account: AccountID, _ amount: Int64) -> BookedEntry {
        BookedEntry(kind: .holdPosted, side: side, account: account, amount: amount)
    }
    static func holdVoided(_ side: Transfer.Side, _ account: AccountID, _ amount: Int64) -> BookedEntry {
        BookedEntry(kind: .holdVoided, side: side, account: account, amount: amount)
    }

    var description: String { "\(kind) \(side == .debit ? "Dr" : "Cr") \(account) \(amount)" }

    static func < (lhs: BookedEntry, rhs: BookedEntry) -> Bool { lhs.description < rhs.description }
}

/// Reads the entries the ledger booked since the previous read, across all shards, so that a
/// test can assert exactly what one lifecycle step booked.
///
/// Each shard keeps a bounded window of recent entries (1,024 by default); a step that books
/// more than fits is reported as a failure rather than read wrongly.
struct LedgerTape {
    let ledger: ShardedLedger
    private var seen: [Int]

    init(_ ledger: ShardedLedger) async {
        self.ledger = ledger
        var seen: [Int] = []
        for shard in ledger.shards { seen.append(shard.recentEntries().count) }
        self.seen = seen
    }

    /// The entries booked since the last call, sorted (the order of legs across shards is not
    /// part of what a step means).
    mutating func take(sourceLocation: SourceLocation = #_sourceLocation) async -> [BookedEntry] {
        var booked: [BookedEntry] = []
        for (index, shard) in ledger.shards.enumerated() {
            let entries = shard.recentEntries()
            #expect(
                entries.count >= seen[index] && entries.count < ledger.configuration.entryHistoryPerShard,
                "the shard's entry window wrapped: the step booked more than the tape can read",
                sourceLocation: sourceLocation)
            for entry in entries.dropFirst(seen[index]) {
                booked.append(
                    BookedEntry(
                        kind: entry.kind, side: entry.side, account: entry.account.logical,
                        amount: entry.amount))
            }
            seen[index] = entries.count
        }
        return booked.sorted()
    }
}
