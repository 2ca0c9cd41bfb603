/// Every transfer id a `BatchLedgerState` holds, exactly: the memory that refuses a second
/// transfer with an id already booked, for the whole life of the ledger.
///
/// Unlike a shard's `TransferIDWindow` it never forgets: its capacity is the ledger's transfer
/// capacity, allocated once, so an insert never grows or rehashes on the hot path. Open
/// addressing with linear probing, load at most three quarters. Eight consecutive ids share one
/// 64-byte line (a client allocates ids in sequence and submits them in batches), so a batch's
/// inserts touch a few cache lines instead of one miss per id.
struct TransferIDTable {
    /// 0 marks an empty slot; transfer id 0 is invalid, so no real id is 0.
    private var slots: [UInt64]
    private let mask: Int
    private let shift: UInt64
    private(set) var count = 0
    /// Ids it may hold; `insert` beyond it is a precondition failure (the ledger checks first).
    let capacity: Int

    init(capacity: Int) {
        precondition(capacity >= 0, "a negative capacity")
        var size = 64
        while size * 3 < capacity * 4 { size <<= 1 }
        self.capacity = capacity
        slots = Array(repeating: 0, count: size)
        mask = size - 1
        // The hash picks one of `size / 8` groups of eight slots.
        shift = UInt64(64 - size.trailingZeroBitCount + 3)
    }

    @inline(__always)
    private static func home(_ id: UInt64, shift: UInt64) -> Int {
        let group = Int(truncatingIfNeeded: ((id >> 3) &* 0x9E37_79B9_7F4A_7C15) >> shift)
        return group << 3 | Int(truncatingIfNeeded: id & 7)
    }

    func contains(_ id: UInt64) -> Bool {
        var index = Self.home(id, shift: shift)
        while true {
            let slot = slots[index]
            if slot == id { return true }
            if slot == 0 { return false }
            index = (index + 1) & mask
        }
    }

    /// The empty slot where `id` (not 0) would go, or nil when it is there already. Pass it
    /// to `fill` before any other insert; a lookup that does not lead to a fill changes nothing.
    @inline(__always)
    func vacantSlot(for id: UInt64) -> Int? {
        let mask = mask
        return slots.withUnsafeBufferPointer { slots in
            var index = Self.home(id, shift: shift)
            while true {
                let slot = slots[index]
                if slot == id { return nil }
                if slot == 0 { return index }
                index = (index + 1) & mask
            }
        }
    }

    /// Stores `id` in the slot `vacantSlot(for: id)` returned.
    @inline(__always)
    mutating func fill(_ slot: Int, with id: UInt64) {
        precondition(count < capacity, "transfer id table full")
        slots[slot] = id
        count += 1
    }

    /// Adds `id` (not 0) unless it is there already; false if it was.
    mutating func insert(_ id: UInt64) -> Bool {
        guard let slot = vacantSlot(for: id) else { return false }
        fill(slot, with: id)
        return true
    }
}
