/// A bounded map that forgets the least recently used entries in bulk: two generations.
///
/// New and touched entries go to the young generation. When it holds `capacity / 2` entries,
/// the old generation is dropped (counted in `evictions`) and the young one becomes old. An
/// entry read from the old generation is moved back to the young one. Memory never exceeds
/// `capacity` entries, every operation is amortised O(1), and what is forgotten is always
/// something not touched for at least `capacity / 2` insertions: an approximate LRU without a
/// linked list.
struct GenerationalCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// The most entries held.
    let capacity: Int
    private var young: [Key: Value] = [:]
    private var old: [Key: Value] = [:]
    /// Entries forgotten so far.
    private(set) var evictions: Int64 = 0

    /// `capacity` must be at least 2.
    init(capacity: Int) {
        precondition(capacity >= 2, "GenerationalCache needs a capacity of at least 2")
        self.capacity = capacity
    }

    var count: Int { young.count + old.count }

    /// The value for `key`, refreshed as recently used.
    mutating func value(for key: Key) -> Value? {
        if let value = young[key] { return value }
        guard let value = old.removeValue(forKey: key) else { return nil }
        insertYoung(value, for: key)
        return value
    }

    /// Stores `value` for `key` as recently used.
    mutating func set(_ value: Value, for key: Key) {
        if young[key] != nil {
            young[key] = value
            return
        }
        old.removeValue(forKey: key)
        insertYoung(value, for: key)
    }

    private mutating func insertYoung(_ value: Value, for key: Key) {
        if young.count >= capacity / 2 {
            evictions += Int64(old.count)
            old = young
            young = [:]
            young.reserveCapacity(capacity / 2)
        }
        young[key] = value
    }
}
