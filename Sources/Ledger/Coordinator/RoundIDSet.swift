/// The transfer ids of the current round of one submission, to find the transfer that depends
/// on an earlier one of the same call (a repeated id, or a post or void of a pending transfer
/// in the round).
///
/// Asked twice per submitted transfer, so it is an open-addressing table with a fixed
/// multiplicative hash instead of a `Set` (which runs SipHash on every lookup). Each slot carries
/// the round it was written in, so starting a round clears nothing; any id, 0 included, fits.
/// Sized once for the whole call: `capacity` ids at most, at a load of at most one half.
struct RoundIDSet {
    private struct Slot {
        var id: UInt64
        var round: UInt32
    }

    private var slots: [Slot]
    private var round: UInt32 = 1
    private let mask: Int
    private let shift: UInt64

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: Slot(id: 0, round: 0), count: size)
        mask = size - 1
        shift = UInt64(64 - size.trailingZeroBitCount)
    }

    /// Forgets every id: the next round starts empty.
    mutating func startRound() { round &+= 1 }

    @inline(__always)
    private func home(_ id: UInt64) -> Int {
        Int(truncatingIfNeeded: (id &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    func contains(_ id: UInt64) -> Bool {
        var index = home(id)
        while true {
            let slot = slots[index]
            if slot.round != round { return false }
            if slot.id == id { return true }
            index = (index + 1) & mask
        }
    }

    /// Adds `id`, which must not be in the round yet (the caller asked `contains` first).
    mutating func insert(_ id: UInt64) {
        var index = home(id)
        while slots[index].round == round { index = (index + 1) & mask }
        slots[index] = Slot(id: id, round: round)
    }
}
