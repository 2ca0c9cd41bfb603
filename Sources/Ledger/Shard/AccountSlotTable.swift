/// Which slot of a shard's account array holds an account: looked up once per leg booked.
///
/// An open-addressing table (linear probing, load at most one half, never shrinks: accounts
/// are never removed) keyed by both words of the `AccountID`, with a fixed multiplicative
/// hash. A `Dictionary` ran SipHash on every lookup; that was about a tenth of a one-shard
/// run. Key and slot sit side by side, so a lookup touches one cache line. Bounded by the
/// shard's `accountsPerShardMax`: at most `4 * accountsPerShardMax` entries of 24 bytes.
struct AccountSlotTable {
    private struct Entry {
        var owner: UInt64
        var tag: UInt64
        /// -1 marks an empty entry.
        var slot: Int32
    }

    private var entries: [Entry]
    private var mask: Int
    private var shift: UInt64
    private(set) var count = 0

    init() {
        let size = 64
        entries = Array(repeating: Entry(owner: 0, tag: 0, slot: -1), count: size)
        mask = size - 1
        shift = UInt64(64 - size.trailingZeroBitCount)
    }

    @inline(__always)
    private func home(_ account: AccountID) -> Int {
        let word = (account.owner &* 0x9E37_79B9_7F4A_7C15) ^ account.tag
        return Int(truncatingIfNeeded: (word &* 0xBF58_476D_1CE4_E5B9) >> shift)
    }

    @inline(__always)
    subscript(account: AccountID) -> Int32? {
        var index = home(account)
        while true {
            let entry = entries[index]
            if entry.slot < 0 { return nil }
            if entry.owner == account.owner && entry.tag == account.tag { return entry.slot }
            index = (index + 1) & mask
        }
    }

    /// Adds `account` at `slot`; it must not be in the table yet.
    mutating func insert(_ account: AccountID, slot: Int32) {
        if (count + 1) * 2 > entries.count { grow() }
        place(Entry(owner: account.owner, tag: account.tag, slot: slot))
        count += 1
    }

    private mutating func place(_ entry: Entry) {
        var index = home(AccountID(owner: entry.owner, tag: entry.tag))
        while entries[index].slot >= 0 { index = (index + 1) & mask }
        entries[index] = entry
    }

    private mutating func grow() {
        let old = entries
        let size = old.count * 2
        entries = Array(repeating: Entry(owner: 0, tag: 0, slot: -1), count: size)
        mask = size - 1
        shift = UInt64(64 - size.trailingZeroBitCount)
        for entry in old where entry.slot >= 0 { place(entry) }
    }
}
