import Core
import Journal
import PaystormRuntime
import Testing

@testable import Services

/// The fold's compact record of retired payments: the same membership as a plain set, one range
/// per gap rather than one entry per payment.
@Suite struct RetiredPaymentsTests {
    @Test(arguments: [1, 2, 3] as [UInt64])
    func insertionInAnyOrderHasTheMembershipOfASet(seed: UInt64) throws {
        var random = RandomStream(seed: seed)
        let count = 2_000
        // Ids in a window, retired out of order (as journeys end), some never retired.
        let ids = (1...UInt64(count)).shuffled(using: &random)
        let kept = Set(ids.prefix(count / 10))
        var retired = RetiredPayments()
        var reference = Set<UInt64>()
        for id in ids.dropFirst(count / 10) {
            let inserted = retired.insert(PaymentID(id))
            #expect(inserted, "seed \(seed): \(id) new")
            reference.insert(id)
        }
        let again = retired.insert(PaymentID(try #require(reference.first)))
        #expect(!again, "seed \(seed): again")
        #expect(retired.count == reference.count, "seed \(seed)")
        let differing = (0...UInt64(count + 1)).filter {
            retired.contains(PaymentID($0)) != reference.contains($0)
        }
        #expect(differing.isEmpty, "seed \(seed): membership differs for \(differing.prefix(5))")
        // At most one range per gap a kept id leaves, plus one.
        #expect(
            retired.ids.ranges.count <= kept.count + 1, "seed \(seed): \(retired.ids.ranges.count) ranges")
        // As a snapshot holds it.
        var writer = BinaryWriter()
        try BinaryEncoder().encode(retired, into: &writer)
        var reader = BinaryReader(writer.bytes, version: 1)
        #expect(try BinaryDecoder().decode(RetiredPayments.self, from: &reader) == retired, "seed \(seed)")
    }

    @Test func contiguousRetirementsAreOneRange() {
        var retired = RetiredPayments()
        for id in (10...1_000 as ClosedRange<UInt64>).reversed() { retired.insert(PaymentID(id)) }
        #expect(retired.ids.ranges.count == 1)
        #expect(retired.count == 991)
        #expect(!retired.contains(PaymentID(9)) && !retired.contains(PaymentID(1_001)))
        // The one id no half-open range can hold is never handed out, and never retired.
        let last = retired.insert(PaymentID(UInt64.max))
        let beforeLast = retired.insert(PaymentID(UInt64.max - 1))
        #expect(!last && beforeLast)
        #expect(retired.ids.ranges.count == 2 && retired.contains(PaymentID(UInt64.max - 1)))
        #expect(!retired.contains(PaymentID(UInt64.max)) && retired.count == 992)
    }
}
