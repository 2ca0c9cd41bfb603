import Testing

@testable import Core

/// Typed ids: their text form, and that they key hashed tables correctly (they hash through
/// `UInt64`'s one-shot path, not through a `Hasher` of their own).
@Suite struct IdentifierTests {
    @Test func descriptionRoundTripsThroughParsing() throws {
        for raw: UInt64 in [0, 1, 0x2a, 0xffff_ffff_ffff, 0x00ff_ffff_ffff_ffff, .max] {
            let id = PaymentID(raw)
            #expect(try PaymentID(parsing: id.description) == id)
        }
        #expect(PaymentID(0x2a).description == "pi_0000000000002a")
        #expect(throws: IdentifierError.wrongPrefix("acct_0000000000002a", expected: "pi")) {
            _ = try PaymentID(parsing: "acct_0000000000002a")
        }
    }

    /// Equal ids hash equally under any seed a table may pick, and the hash is `UInt64`'s (what
    /// `hash(into:)` feeds a `Hasher`), so mixing ids into a composite key's `Hasher` agrees.
    @Test func hashAgreesWithTheRawValueUnderEverySeed() {
        for raw: UInt64 in [0, 1, 7, 1 << 32, .max] {
            for seed in [0, 1, -1, 0x5eed, .max] {
                #expect(MerchantID(raw)._rawHashValue(seed: seed) == raw._rawHashValue(seed: seed))
            }
            var viaHasher = Hasher()
            MerchantID(raw).hash(into: &viaHasher)
            var viaRaw = Hasher()
            viaRaw.combine(raw)
            #expect(viaHasher.finalize() == viaRaw.finalize())
        }
    }

    /// Sets and dictionaries keyed by ids find exactly what was put in, through growth and
    /// removal (sequential ids, as the simulation allocates them, and scattered ones).
    @Test(arguments: [UInt64(1), 0x9E37_79B9_7F4A_7C15])
    func tablesKeyedByIdsFindWhatWasInserted(stride: UInt64) {
        let ids = (0..<5_000 as Range<UInt64>).map { PaymentID($0 &* stride) }
        var set = Set<PaymentID>()
        var table: [PaymentID: UInt64] = [:]
        for id in ids {
            #expect(set.insert(id).inserted)
            table[id] = id.rawValue
        }
        #expect(set.count == ids.count && table.count == ids.count)
        for id in ids where id.rawValue % 3 == 0 {
            set.remove(id)
            table[id] = nil
        }
        for id in ids {
            #expect(set.contains(id) == (id.rawValue % 3 != 0))
            #expect(table[id] == (id.rawValue % 3 != 0 ? id.rawValue : nil))
        }
        #expect(!set.contains(PaymentID(UInt64.max - 1)))
    }
}
