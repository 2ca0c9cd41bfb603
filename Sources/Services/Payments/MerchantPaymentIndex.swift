import Core
import Synchronization

/// The payments held for each merchant, in id order (the order they were created in): what
/// listing a merchant's payments reads, instead of scanning every payment held.
///
/// Sharded by merchant, each shard behind its own lock; nothing here suspends. It follows the
/// payment shards: a payment enters when its record is stored and leaves when it is retired,
/// so it holds what they hold and no more.
final class MerchantPaymentIndex: Sendable {
    /// Payments one merchant's list reaches back at most; past it the oldest leave the index
    /// (they stay retrievable by id), so that one busy merchant cannot grow it without bound.
    static let paymentsPerMerchantMax = 100_000

    /// One shard's merchants and their payment ids, ascending.
    private final class Shard: Sendable {
        let ids = Mutex<[MerchantID: [PaymentID]]>([:])

        func withLock<T>(_ body: (inout [MerchantID: [PaymentID]]) -> T) -> T { ids.withLock { body(&$0) } }
    }

    private let shards: [Shard]

    init(shardCount: Int) {
        shards = (0..<max(1, shardCount)).map { _ in Shard() }
    }

    private func shard(_ merchant: MerchantID) -> Shard {
        shards[Int(merchant.rawValue % UInt64(shards.count))]
    }

    func insert(_ id: PaymentID, merchant: MerchantID) {
        shard(merchant).withLock { ids in Self.insert(id, into: &ids[merchant, default: []]) }
    }

    func remove(_ id: PaymentID, merchant: MerchantID) {
        shard(merchant).withLock { ids in
            guard ids[merchant] != nil else { return }
            let emptied = Self.remove(id, from: &ids[merchant]!)
            if emptied { ids[merchant] = nil }
        }
    }

    private static func insert(_ id: PaymentID, into list: inout [PaymentID]) {
        // Ids are handed out in order but stored concurrently: almost always an append.
        if let last = list.last, last >= id {
            let position = firstIndex(notBelow: id, in: list)
            guard list[position] != id else { return }
            list.insert(id, at: position)
        } else {
            list.append(id)
        }
        if list.count > paymentsPerMerchantMax { list.removeFirst(list.count - paymentsPerMerchantMax) }
    }

    /// Returns whether the list is empty after it.
    private static func remove(_ id: PaymentID, from list: inout [PaymentID]) -> Bool {
        let position = firstIndex(notBelow: id, in: list)
        if position < list.count, list[position] == id { list.remove(at: position) }
        return list.isEmpty
    }

    /// The merchant's payments below `before` (all when nil), newest first, at most `limit`
    /// of those `isIncluded` accepts; and whether more such ids follow.
    func newest(
        of merchant: MerchantID, before: PaymentID?, limit: Int, where isIncluded: (PaymentID) -> Bool
    ) -> (ids: [PaymentID], hasMore: Bool) {
        let list = shard(merchant).withLock { $0[merchant] ?? [] }
        var end = list.count
        if let before { end = Self.firstIndex(notBelow: before, in: list) }
        var found: [PaymentID] = []
        var index = end - 1
        while index >= 0 {
            if isIncluded(list[index]) {
                if found.count == limit { return (found, true) }
                found.append(list[index])
            }
            index -= 1
        }
        return (found, false)
    }

    /// Payments indexed for `merchant`.
    func count(of merchant: MerchantID) -> Int { shard(merchant).withLock { $0[merchant]?.count ?? 0 } }

    /// The first position in the sorted `list` whose id is not below `id`.
    private static func firstIndex(notBelow id: PaymentID, in list: [PaymentID]) -> Int {
        var low = 0
        var high = list.count
        while low < high {
            let middle = (low + high) / 2
            if list[middle] < id { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
