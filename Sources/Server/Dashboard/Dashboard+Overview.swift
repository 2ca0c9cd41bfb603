import Charts
import Core
import Hummingbird
import PaystormRuntime
import Services

/// The overview: today's figures (UTC day) and the last hour per minute.
struct OverviewPage: Sendable {
    struct Volume: Sendable {
        var currency: String
        var gross: String
        var count: String
        var refunded: String
    }

    struct Decline: Sendable {
        var code: String
        var count: Int
    }

    struct OpenDispute: Sendable {
        var id: String
        var paymentID: String
        var status: String
        var amount: String
        var opened: String
        var respondBy: String
        var overdue: Bool
    }

    /// What the next settlement run would pay the merchant in one currency.
    struct NextPayout: Sendable {
        var currency: String
        var amount: String
    }

    var layout: DashboardLayout
    var day: String
    var volumes: [Volume]
    var authorizationRate: String
    var authorized: Int
    var declined: Int
    var blocked: Int
    var challenged: Int
    var declines: [Decline]
    var disputesOpen: [OpenDispute]
    var disputesOpenCount: Int
    var nextPayouts: [NextPayout]
    /// One chart per currency.
    var volumeCharts: [String]
    var countChart: String
    var latencyChart: String
}

extension Dashboard {
    static let chartMinutes: Int64 = 60
    /// The overview's charts drawn most recently: a page draws one per currency with volume in
    /// the last hour and two more, about 15 KB of SVG each (60 marks with their hover text).
    static let overviewCharts = RenderedFragments<OverviewChart>(countMax: 512) { $0.svg }

    /// How long a merchant has to answer a dispute with evidence, from its opening: Stripe's
    /// networks allow 7 to 21 days; the shortest is shown, so that a deadline is never late.
    static let evidenceWindowSeconds: Int64 = 7 * 86_400

    func overview(_ session: DashboardSession, _ backend: ServerBackend) -> Response {
        var page = Self.overviewPage(
            layout: layout("Overview", .overview, session), merchant: session.merchant, backend: backend,
            nowUnixSeconds: sessions.now())
        page.nextPayouts = Self.nextPayouts(session.merchant, backend)
        return DashboardResponse.html(DashboardTemplates.render(page, "overview"))
    }

    /// Today's figures count payments created since midnight UTC; the charts count the last
    /// `chartMinutes` minutes by the minute each payment was created in.
    static func overviewPage(
        layout: DashboardLayout, merchant: MerchantID, backend: ServerBackend, nowUnixSeconds: Int64
    ) -> OverviewPage {
        let dayStart =
            DashboardTime.floorDivide(nowUnixSeconds, DashboardTime.secondsPerDay)
            * DashboardTime.secondsPerDay
        let nowMinute = DashboardTime.floorDivide(nowUnixSeconds, 60)
        // The store keeps these figures as payments change (`OverviewFigures`): one day and an
        // hour of minutes are read here, not every record of the day.
        let figures = backend.store.overviewFigures(of: merchant)
        let today = OverviewDay(figures, dayStartUnixSeconds: dayStart)
        let window = OverviewMinutes(figures, first: nowMinute - chartMinutes + 1, last: nowMinute)
        let declined = today.declined
        let attempted = today.authorized + declined
        let rate = attempted == 0 ? "—" : "\(Self.percent(today.authorized, of: attempted))"
        let disputes = openDisputes(of: merchant, backend, nowUnixSeconds: nowUnixSeconds)
        return OverviewPage(
            layout: layout, day: DashboardTime.date(nowUnixSeconds),
            volumes: today.gross.keys.sorted().map { currency in
                OverviewPage.Volume(
                    currency: currency.code,
                    gross: today.overflowed.contains(currency)
                        ? "overflow"
                        : Money(minorUnits: today.gross[currency] ?? 0, currency: currency).description,
                    count: Self.payments(today.counts[currency] ?? 0),
                    refunded: Money(minorUnits: today.refunded[currency] ?? 0, currency: currency).description
                )
            }, authorizationRate: rate, authorized: today.authorized, declined: declined,
            blocked: today.declines[DeclineCode.fraudulent.rawValue] ?? 0, challenged: today.challenged,
            declines: today.declines.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map {
                OverviewPage.Decline(code: $0.key, count: $0.value)
            }, disputesOpen: disputes, disputesOpenCount: disputes.count, nextPayouts: [],
            volumeCharts: window.volumeCharts.map(overviewCharts.html),
            countChart: overviewCharts.html(window.countChart),
            latencyChart: overviewCharts.html(window.latencyChart))
    }

    /// The merchant's open disputes, newest first, each with the deadline for its evidence.
    static func openDisputes(
        of merchant: MerchantID, _ backend: ServerBackend, nowUnixSeconds: Int64
    ) -> [OverviewPage.OpenDispute] {
        var disputes: [OverviewPage.OpenDispute] = []
        for (id, opened) in backend.store.disputes(of: merchant).reversed() {
            guard let record = backend.system.paymentNow(id), let dispute = record.payment.dispute,
                dispute.status.isOpen
            else { continue }
            disputes.append(
                OverviewPage.OpenDispute(
                    id: StripeRenderer.disputeID(id), paymentID: id.description,
                    status: dispute.status.rawValue,
                    amount: Money(
                        minorUnits: dispute.amountMinorUnits, currency: record.payment.amount.currency
                    )
                    .description,
                    opened: DashboardTime.dateTime(opened),
                    respondBy: DashboardTime.dateTime(opened + evidenceWindowSeconds),
                    overdue: nowUnixSeconds >= opened + evidenceWindowSeconds))
        }
        return disputes
    }

    /// What the daily settlement would pay if it ran now: it settles what is captured and pays
    /// out the merchant's balance when positive (a negative one is carried over), so the
    /// ledger's settled and pending balances of the merchant, added, per currency. Read under
    /// the shards' locks, as `GET /v1/balance` reads them: sixteen hops onto busy shards made
    /// the page wait behind the bookings.
    static func nextPayouts(_ merchant: MerchantID, _ backend: ServerBackend) -> [OverviewPage.NextPayout] {
        let snapshots = backend.system.ledger.balancesNow(
            of: Currency.all.flatMap { [.merchantBalance(merchant, $0), .merchantPending(merchant, $0)] })
        var payouts: [OverviewPage.NextPayout] = []
        for (index, currency) in Currency.all.enumerated() {
            let (total, overflow) = snapshots[2 * index].balance.addingReportingOverflow(
                snapshots[2 * index + 1].balance)
            guard !overflow else {
                payouts.append(.init(currency: currency.code, amount: "overflow"))
                continue
            }
            guard total > 0 else { continue }
            payouts.append(
                .init(
                    currency: currency.code, amount: Money(minorUnits: total, currency: currency).description)
            )
        }
        return payouts
    }

    /// "1 payment", "25 payments".
    static func payments(_ count: Int) -> String { count == 1 ? "1 payment" : "\(count) payments" }

    /// "97.5%", one decimal, rounded half up, in integers.
    static func percent(_ part: Int, of whole: Int) -> String {
        let tenths = (part * 1_000 * 2 + whole) / (whole * 2)
        return "\(tenths / 10).\(tenths % 10)%"
    }
}
