import Core
import Services
import Testing

@testable import Server

/// The store's payment index: in creation order across chunks, statuses following the events
/// (also one that comes before its payment), positions for cursors, and a reader's copy
/// unchanged by later writes.
@Suite struct PaymentSummaryStoreTests {
    /// SplitMix64: the tests' own seeded generator.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func details(_ index: Int) throws -> IntentDetails {
        let test = try #require(TestPaymentMethod.named("pm_card_visa"))
        let method = try test.paymentMethod()
        let request = test.request(
            merchant: MerchantID(1), amount: Money(minorUnits: Int64(100 + index), currency: .usd),
            captureMethod: .automatic, method: method)
        return IntentDetails(
            request: request, paymentMethodID: "pm_card_visa", testMethod: test, metadata: [:],
            description: nil, createdUnixSeconds: Int64(index))
    }

    static func flat(_ index: MerchantPaymentIndex) -> [PaymentSummary] {
        index.chunks.flatMap(\.summaries)
    }

    @Test func summariesSpanChunksInOrderAndFollowStatuses() throws {
        let store = ObjectStore()
        let merchant = MerchantID(1)
        let count = MerchantPaymentIndex.chunkCapacity * 2 + 17
        store.noteStatus(.failed, of: PaymentID(1))
        for index in 1...count {
            store.insert(try Self.details(index), for: PaymentID(UInt64(index)), merchant: merchant)
        }
        let before = store.paymentIndex(of: merchant)
        #expect(before.chunks.count == 3)
        let flat = Self.flat(before)
        #expect(flat.map(\.id.rawValue) == (1...count).map(UInt64.init))
        #expect(flat[0].status == .failed)
        #expect(flat[1].status == .incomplete)
        #expect(flat[5].brand == .visa && flat[5].last4 == 4242)
        #expect(store.position(of: PaymentID(7), merchant: merchant) == 6)
        #expect(store.position(of: PaymentID(7), merchant: MerchantID(2)) == nil)
        store.noteStatus(.refunded, of: PaymentID(2))
        store.noteStatus(.succeeded, of: PaymentID(UInt64(count)))
        store.insert(try Self.details(count + 1), for: PaymentID(UInt64(count + 1)), merchant: merchant)
        // The earlier copy is as it was; a new one sees the changes.
        #expect(Self.flat(before)[1].status == .incomplete)
        #expect(before.count == count)
        let after = store.paymentIndex(of: merchant)
        #expect(Self.flat(after)[1].status == .refunded)
        #expect(Self.flat(after)[count - 1].status == .succeeded)
        #expect(after.count == count + 1)
        // The totals moved with the statuses: one refunded, one succeeded, one failed.
        var refunded = PaymentIndexQuery()
        refunded.statusMask = PaymentIndexQuery.mask([.refunded, .succeeded, .failed])
        #expect(after.totals.sums(refunded).count == 3)
        #expect(after.totals.sums(.everything).count == count + 1)
        var found: [UInt64] = []
        var onlyRefunded = PaymentIndexQuery()
        onlyRefunded.statusMask = PaymentIndexQuery.mask([.refunded])
        after.walkNewestFirst(before: after.count, onlyRefunded) { _, summary in
            found.append(summary.id.rawValue)
            return true
        }
        #expect(found == [2])
    }
}
