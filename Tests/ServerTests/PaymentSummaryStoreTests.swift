import Core
import Services
import Testing

@testable import Server

/// The store's payment summaries: in creation order across chunks, statuses following the
/// events (also one that comes before its payment), and a reader's copy unchanged by later
/// writes.
@Suite struct PaymentSummaryStoreTests {
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

    @Test func summariesSpanChunksInOrderAndFollowStatuses() throws {
        let store = ObjectStore()
        let merchant = MerchantID(1)
        let count = ObjectStore.summaryChunkCount * 2 + 17
        store.noteStatus(.failed, of: PaymentID(1))
        for index in 1...count {
            store.insert(try Self.details(index), for: PaymentID(UInt64(index)), merchant: merchant)
        }
        let before = store.summaries(of: merchant)
        #expect(before.count == 3)
        let flat = before.flatMap { $0 }
        #expect(flat.map(\.id.rawValue) == (1...count).map(UInt64.init))
        #expect(flat[0].status == .failed)
        #expect(flat[1].status == .incomplete)
        #expect(flat[5].brand == .visa && flat[5].last4 == 4242)
        store.noteStatus(.refunded, of: PaymentID(2))
        store.noteStatus(.succeeded, of: PaymentID(UInt64(count)))
        store.insert(try Self.details(count + 1), for: PaymentID(UInt64(count + 1)), merchant: merchant)
        // The earlier copy is as it was; a new one sees the changes.
        #expect(before.flatMap { $0 }[1].status == .incomplete)
        #expect(before.flatMap { $0 }.count == count)
        let after = store.summaries(of: merchant).flatMap { $0 }
        #expect(after[1].status == .refunded)
        #expect(after[count - 1].status == .succeeded)
        #expect(after.count == count + 1)
    }
}
