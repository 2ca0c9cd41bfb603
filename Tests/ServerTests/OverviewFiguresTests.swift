import Core
import Testing

@testable import Server

/// The overview's figures move by each payment's change: a capture adds its volume, a refund
/// its refunded amount, a decline its code; days and minutes older than those kept drop out.
@Suite struct OverviewFiguresTests {
    static let day: Int64 = 1_764_979_200  // 2025-12-06 00:00 UTC

    static func contribution(
        captured: Int64 = 0, refunded: Int64 = 0, authorizedMilliseconds: Int64? = nil,
        declined: DeclineCode? = nil, challenged: Bool = false
    ) -> PaymentContribution {
        var contribution = PaymentContribution()
        contribution.capturedMinorUnits = captured
        contribution.refundedMinorUnits = refunded
        if let authorizedMilliseconds {
            contribution.isAuthorized = true
            contribution.authorizationMilliseconds = authorizedMilliseconds
        }
        contribution.declineCode = declined
        contribution.isChallenged = challenged
        return contribution
    }

    @Test func changesMoveTheFiguresByTheirDifference() throws {
        var index = MerchantPaymentIndex()
        let created = Self.day + 3_600
        var paid = PaymentSummary(
            id: PaymentID(1), details: try PaymentSummaryStoreTests.details(1), status: .incomplete)
        paid.createdUnixSeconds = created
        var declined = paid
        declined.id = PaymentID(2)
        let first = index.append(paid)
        let second = index.append(declined)
        index.setContribution(Self.contribution(authorizedMilliseconds: 120), at: first)
        index.setContribution(Self.contribution(captured: 101, authorizedMilliseconds: 120), at: first)
        index.setContribution(Self.contribution(declined: .insufficientFunds), at: second)
        index.setContribution(
            Self.contribution(captured: 101, refunded: 40, authorizedMilliseconds: 120), at: first)
        let day = try #require(index.overview.day(startingAt: Self.day))
        #expect(day.currencies.count == 1)
        #expect(day.currencies[0].grossMinorUnits == 101 && day.currencies[0].refundedMinorUnits == 40)
        #expect(day.currencies[0].count == 1)
        #expect(day.authorized == 1)
        #expect(day.declines[OverviewFigures.declineIndex[.insufficientFunds]!] == 1)
        #expect(day.declines.reduce(0, +) == 1)
        let minute = try #require(index.overview.minutes.first { $0.minute == created / 60 })
        #expect(minute.volumes.first?.grossMinorUnits == 101)
        #expect(minute.authorized == 1 && minute.declined == 1)
        #expect(minute.latencyTotalMilliseconds == 120 && minute.latencyCount == 1)
    }

    @Test func olderDaysAndMinutesDropOut() {
        var figures = OverviewFigures()
        let one = Self.contribution(captured: 5, authorizedMilliseconds: 1)
        for day in 0..<3 {
            figures.apply(one, sign: 1, currencyIndex: 0, createdUnixSeconds: Self.day + Int64(day) * 86_400)
        }
        #expect(figures.days.map(\.dayStartUnixSeconds) == [Self.day + 86_400, Self.day + 2 * 86_400])
        // A change to a payment of a dropped day changes nothing kept.
        figures.apply(one, sign: -1, currencyIndex: 0, createdUnixSeconds: Self.day)
        #expect(figures.days.map { $0.currencies[0].grossMinorUnits } == [5, 5])
        for minute in 0..<100 {
            figures.apply(
                one, sign: 1, currencyIndex: 0, createdUnixSeconds: Self.day + 2 * 86_400 + Int64(minute) * 60
            )
        }
        #expect(figures.minutes.count == Int(OverviewFigures.minutesKept))
        #expect(figures.minutes.last?.minute == (Self.day + 2 * 86_400) / 60 + 99)
        #expect(figures.minutes.allSatisfy { $0.authorized == 1 })
        #expect(figures.minutes.map(\.minute) == figures.minutes.map(\.minute).sorted())
    }
}
