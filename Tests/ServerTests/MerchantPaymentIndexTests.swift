import Core
import Testing

@testable import Server

/// The merchant index's walks, pages and totals against a plain filter over every payment:
/// random payments over three chunks, `created` only nearly ordered, statuses changed after
/// the fact, random queries and cursors.
@Suite struct MerchantPaymentIndexTests {
    typealias Generator = PaymentSummaryStoreTests.Generator

    static let seeds: [UInt64] = [1, 42, 20_261_206]

    struct Fixture {
        var index = MerchantPaymentIndex()
        var all: [PaymentSummary] = []
    }

    static func fixture(_ random: inout Generator) throws -> Fixture {
        var fixture = Fixture()
        let count = MerchantPaymentIndex.chunkCapacity * 2 + 300
        for position in 0..<count {
            var summary = PaymentSummary(
                id: PaymentID(UInt64(position + 1)),
                details: try PaymentSummaryStoreTests.details(position),
                status: DashboardStatus.allCases[Int(random.next() % 10)])
            // Nearly in order: a request started up to 3 s earlier may be stored later.
            summary.createdUnixSeconds = 1_000 + Int64(position / 10) - Int64(random.next() % 4)
            summary.amountMinorUnits = Int64(random.next() % 10_000)
            summary.currencyIndex = UInt8(random.next() % 3)
            #expect(fixture.index.append(summary) == position)
            fixture.all.append(summary)
        }
        for _ in 0..<2_000 {
            let position = Int(random.next() % UInt64(count))
            let status = DashboardStatus.allCases[Int(random.next() % 10)]
            fixture.index.setStatus(status, at: position)
            fixture.all[position].status = status
        }
        return fixture
    }

    static func randomQuery(_ random: inout Generator) -> PaymentIndexQuery {
        var query = PaymentIndexQuery()
        if random.next() % 2 == 0 { query.statusMask = UInt32(random.next() % 1_024) }
        if random.next() % 2 == 0 { query.currencyMask = UInt32(random.next() % 8) }
        if random.next() % 2 == 0 {
            let lower = 1_000 + Int64(random.next() % 900)
            query.createdRange = lower...(lower + Int64(random.next() % 200))
        }
        return query
    }

    static func admits(_ query: PaymentIndexQuery, _ summary: PaymentSummary) -> Bool {
        query.statusMask & (1 << UInt32(summary.status.ordinal)) != 0
            && query.currencyMask & (1 << UInt32(summary.currencyIndex)) != 0
            && query.createdRange.contains(summary.createdUnixSeconds)
    }

    @Test(arguments: seeds) func walksVisitWhatAPlainFilterFinds(seed: UInt64) throws {
        var random = Generator(state: seed)
        let fixture = try Self.fixture(&random)
        let count = fixture.all.count
        for _ in 0..<200 {
            let query = Self.randomQuery(&random)
            let cut = Int(random.next() % UInt64(count + 1))
            var newest: [Int] = []
            fixture.index.walkNewestFirst(before: cut, query) { position, summary in
                #expect(fixture.all[position].id == summary.id)
                newest.append(position)
                return true
            }
            let expectedNewest = (0..<cut).reversed().filter { Self.admits(query, fixture.all[$0]) }
            #expect(newest == expectedNewest, "seed \(seed), before \(cut)")
            var oldest: [Int] = []
            fixture.index.walkOldestFirst(from: cut, query) { position, _ in
                oldest.append(position)
                return true
            }
            #expect(oldest == (cut..<count).filter { Self.admits(query, fixture.all[$0]) }, "seed \(seed)")
        }
    }

    @Test(arguments: seeds) func pagesFollowCursorsAndTotalsFollowStatuses(seed: UInt64) throws {
        var random = Generator(state: seed)
        let fixture = try Self.fixture(&random)
        let count = fixture.all.count
        for _ in 0..<100 {
            let query = Self.randomQuery(&random)
            let matching = (0..<count).reversed().filter { Self.admits(query, fixture.all[$0]) }
            let limit = 1 + Int(random.next() % 30)
            let cursor = Int(random.next() % UInt64(count))
            let after = fixture.index.page(limit: limit, startingAfter: cursor, endingBefore: nil, query)
            let older = matching.filter { $0 < cursor }
            #expect(after.summaries.map(\.id) == older.prefix(limit).map { fixture.all[$0].id })
            #expect(after.hasMore == (older.count > limit))
            let before = fixture.index.page(limit: limit, startingAfter: nil, endingBefore: cursor, query)
            let newer = matching.filter { $0 > cursor }
            #expect(before.summaries.map(\.id) == newer.suffix(limit).map { fixture.all[$0].id })
            #expect(before.hasMore == (newer.count > limit))
            var statusAndCurrency = query
            statusAndCurrency.createdRange = Int64.min...Int64.max
            let sums = fixture.index.totals.sums(statusAndCurrency)
            var expected = PaymentSums()
            for summary in fixture.all where Self.admits(statusAndCurrency, summary) { expected.add(summary) }
            #expect(sums.counts == expected.counts && sums.amountsMinorUnits == expected.amountsMinorUnits)
        }
    }

    @Test func ordinalsAreTheCasesPlaces() {
        #expect(DashboardStatus.allCases.map(\.ordinal) == Array(0..<DashboardStatus.allCases.count))
    }
}
