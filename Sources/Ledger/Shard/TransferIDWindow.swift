import Journal

/// The exactly-once memory of one shard: which transfer ids it has applied.
///
/// **Bound.** The last `capacity` applied ids are remembered exactly (an open-addressing table
/// of `2 * capacity` words plus a FIFO ring of `capacity` words: 24 bytes per id, 1.5 MiB per
/// shard at the default 65,536). Older ids are forgotten, but a *watermark* per producer is
/// kept: transfer ids are `producer << 32 | sequence` and each producer allocates its sequence
/// numbers monotonically (Services and the workload do), so when an id is evicted the
/// producer's watermark rises to its sequence. A later id at or below its producer's watermark
/// that is not in the window may have been applied and forgotten: it is refused
/// (`tooOldToDeduplicate`), never applied a second time. The watermark table grows with the
/// number of producers, not with the run's length. The cost of this bound: a producer whose
/// deliveries are reordered by more than `capacity` applications on one shard sees false
/// `tooOldToDeduplicate` refusals; never a double application.
struct TransferIDWindow {
    /// 0 marks an empty slot; transfer id 0 is invalid, so no real id is 0.
    private var slots: [UInt64]
    private var ring: [UInt64]
    private var ringHead = 0
    private(set) var count = 0
    private let mask: Int
    private let shift: UInt64
    private var watermarks: [UInt32: UInt32] = [:]
    /// The highest watermark of any producer: a sequence above it is not too old for any
    /// producer, which spares the dictionary lookup for almost every id.
    private var watermarkMax: UInt32 = 0
    private var hasWatermarks = false
    private(set) var evicted: UInt64 = 0

    let capacity: Int

    /// - Parameter capacity: ids remembered exactly; rounded up to a power of two, at least 16.
    init(capacity: Int) {
        var size = 16
        while size < capacity { size <<= 1 }
        self.capacity = size
        slots = Array(repeating: 0, count: size * 2)
        ring = Array(repeating: 0, count: size)
        mask = size * 2 - 1
        // The hash picks one of `2 * size / 8` groups.
        shift = UInt64(64 - (size * 2).trailingZeroBitCount + 3)
    }

    /// Eight consecutive ids share a home line of eight slots (one 64-byte cache line): ids are
    /// allocated in sequence and submitted in batches, so a batch's lookups touch a few lines
    /// instead of one line (and, in a big window, one cache miss) per id. The groups themselves
    /// are spread by a multiplicative hash.
    @inline(__always)
    private func home(_ id: UInt64) -> Int {
        let group = Int(truncatingIfNeeded: ((id >> 3) &* 0x9E37_79B9_7F4A_7C15) >> shift)
        return group << 3 | Int(truncatingIfNeeded: id & 7)
    }

    func contains(_ id: UInt64) -> Bool {
        var index = home(id)
        while true {
            let slot = slots[index]
            if slot == id { return true }
            if slot == 0 { return false }
            index = (index + 1) & mask
        }
    }

    /// True if `id` is not remembered but may have been applied before it was forgotten.
    func isTooOld(_ id: UInt64) -> Bool {
        guard hasWatermarks, UInt32(truncatingIfNeeded: id) <= watermarkMax else { return false }
        guard let mark = watermarks[UInt32(truncatingIfNeeded: id >> 32)] else { return false }
        return UInt32(truncatingIfNeeded: id) <= mark
    }

    /// Remembers `id` (which must not be remembered yet), forgetting the oldest id if full.
    mutating func insert(_ id: UInt64) {
        if count == capacity {
            let oldest = ring[ringHead]
            remove(oldest)
            ringHead = (ringHead + 1) & (capacity - 1)
            let producer = UInt32(truncatingIfNeeded: oldest >> 32)
            let sequence = UInt32(truncatingIfNeeded: oldest)
            if let mark = watermarks[producer] {
                if sequence > mark { watermarks[producer] = sequence }
            } else {
                watermarks[producer] = sequence
            }
            watermarkMax = max(watermarkMax, sequence)
            hasWatermarks = true
            evicted &+= 1
            count -= 1
        }
        var index = home(id)
        while slots[index] != 0 { index = (index + 1) & mask }
        slots[index] = id
        ring[(ringHead + count) & (capacity - 1)] = id
        count += 1
    }

    /// Backward-shift deletion, so that lookups never need tombstones.
    private mutating func remove(_ id: UInt64) {
        var hole = home(id)
        while slots[hole] != id {
            if slots[hole] == 0 { return }
            hole = (hole + 1) & mask
        }
        var probe = hole
        while true {
            probe = (probe + 1) & mask
            let candidate = slots[probe]
            if candidate == 0 { break }
            let wanted = home(candidate)
            // Leave `candidate` where it is if its home lies cyclically in (hole, probe].
            let staysPut =
                hole <= probe ? (hole < wanted && wanted <= probe) : (hole < wanted || wanted <= probe)
            if staysPut { continue }
            slots[hole] = candidate
            hole = probe
        }
        slots[hole] = 0
    }

    // MARK: Snapshots

    /// The remembered ids, oldest first (the order they are forgotten in).
    var idsOldestFirst: [UInt64] {
        (0..<count).map { ring[(ringHead + $0) & (capacity - 1)] }
    }

    /// What survives a snapshot: the ids in eviction order and the producers' watermarks, so
    /// that a restored window refuses and forgets exactly what the original would have.
    struct Image: Sendable {
        var ids: [UInt64]
        var watermarks: [(producer: UInt32, sequence: UInt32)]
        var evicted: UInt64
    }

    var image: Image {
        Image(
            ids: idsOldestFirst,
            watermarks: watermarks.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, evicted: evicted)
    }

    /// A window of `capacity` holding `image`.
    /// - Throws: `JournalError.invalidField` when the image holds more ids than fit, or 0.
    init(capacity: Int, restoring image: Image) throws(JournalError) {
        self.init(capacity: capacity)
        guard image.ids.count <= self.capacity else {
            throw .invalidField(
                "ledger window", reason: "\(image.ids.count) ids exceed the capacity \(self.capacity)")
        }
        var seen = Set<UInt64>()
        for id in image.ids {
            guard id != 0, seen.insert(id).inserted else {
                throw .invalidField("ledger window", reason: "id \(id) is 0 or repeated")
            }
            insert(id)
        }
        for (producer, sequence) in image.watermarks {
            watermarks[producer] = sequence
            watermarkMax = max(watermarkMax, sequence)
            hasWatermarks = true
        }
        evicted = image.evicted
    }
}
