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

    /// How long a merchant has to answer a dispute with evidence, from its opening: Stripe's
    /// networks allow 7 to 21 days; the shortest is shown, so that a deadline is never late.
    static let evidenceWindowSeconds: Int64 = 7 * 86_400

    func overview(_ session: DashboardSession, _ backend: ServerBackend) async -> Response {
        var page = Self.overviewPage(
            layout: layout("Overview", .overview, session), merchant: session.merchant, backend: backend,
            nowUnixSeconds: sessions.now())
        page.nextPayouts = await Self.nextPayouts(session.merchant, backend)
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
        let firstMinute = nowMinute - chartMinutes + 1

        // The store keeps these figures as payments change (`OverviewFigures`): one day and an
        // hour of minutes are read here, not every record of the day.
        let figures = backend.store.overviewFigures(of: merchant)
        var gross: [Currency: Int64] = [:]
        var refunded: [Currency: Int64] = [:]
        var counts: [Currency: Int] = [:]
        var overflowed: Set<Currency> = []
        var authorized = 0
        var declines: [String: Int] = [:]
        var challenged = 0
        if let today = figures.day(startingAt: dayStart) {
            for entry in today.currencies where entry.count > 0 {
                let currency = Currency.all[Int(entry.currencyIndex)]
                gross[currency] = entry.grossMinorUnits
                refunded[currency] = entry.refundedMinorUnits
                counts[currency] = entry.count
                if entry.overflowed { overflowed.insert(currency) }
            }
            authorized = today.authorized
            for (index, count) in today.declines.enumerated() where count > 0 {
                declines[DeclineCode.allCases[index].rawValue] = count
            }
            challenged = today.challenged
        }
        var volumePerMinute: [Currency: [Int64: Int64]] = [:]
        var authorizedPerMinute: [Int64: Int64] = [:]
        var declinedPerMinute: [Int64: Int64] = [:]
        var latencyPerMinute: [Int64: (totalMilliseconds: Int64, count: Int64)] = [:]
        for figure in figures.minutes where figure.minute >= firstMinute && figure.minute <= nowMinute {
            for volume in figure.volumes where volume.grossMinorUnits != 0 {
                volumePerMinute[Currency.all[Int(volume.currencyIndex)], default: [:]][figure.minute] =
                    volume.grossMinorUnits
            }
            if figure.authorized > 0 {
                authorizedPerMinute[figure.minute] = figure.authorized
                latencyPerMinute[figure.minute] = (figure.latencyTotalMilliseconds, figure.latencyCount)
            }
            if figure.declined > 0 { declinedPerMinute[figure.minute] = figure.declined }
        }
        let declined = declines.values.reduce(0, +)
        let attempted = authorized + declined
        let rate =
            attempted == 0
            ? "—" : "\(Self.percent(authorized, of: attempted))"

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

        let minutes = Array(firstMinute...nowMinute)
        let minuteLabel: @Sendable (Double) -> String = { DashboardTime.minute(Int64($0) * 60) }
        let window = Double(firstMinute)...Double(nowMinute)
        func minuteAxis(_ chart: inout LineChart) {
            chart.xTickLabel = minuteLabel
            chart.xDomain = window
            chart.xTicksIntegral = true
        }
        // One volume chart per currency: amounts in different currencies share no scale.
        var volumeCharts: [String] = []
        for currency in volumePerMinute.keys.sorted() {
            let perMinute = volumePerMinute[currency] ?? [:]
            var chart = LineChart(
                title: "Captured volume per minute, \(currency.code)",
                series: [
                    ChartSeries(
                        name: currency.code,
                        points: minutes.map { minute in
                            let minor = perMinute[minute] ?? 0
                            let money = Money(minorUnits: minor, currency: currency)
                            return ChartPoint(
                                x: Double(minute), y: Double(minor) / Double(currency.minorUnitsPerMajor),
                                label: "\(money) at \(DashboardTime.minute(minute * 60))")
                        })
                ], xAxisTitle: "minute (UTC)", yAxisTitle: currency.code)
            minuteAxis(&chart)
            volumeCharts.append(chart.svg())
        }
        if volumeCharts.isEmpty {
            var chart = LineChart(
                title: "Captured volume per minute", series: [], xAxisTitle: "minute (UTC)",
                yAxisTitle: "volume")
            minuteAxis(&chart)
            volumeCharts.append(chart.svg())
        }
        var countChart = LineChart(
            title: "Authorizations and declines per minute",
            series: [("authorized", authorizedPerMinute), ("declined", declinedPerMinute)].map {
                name, perMinute in
                ChartSeries(
                    name: name,
                    points: minutes.map { minute in
                        let count = perMinute[minute] ?? 0
                        return ChartPoint(
                            x: Double(minute), y: Double(count),
                            label: "\(count) \(name) at \(DashboardTime.minute(minute * 60))")
                    })
            }, xAxisTitle: "minute (UTC)", yAxisTitle: "payments")
        minuteAxis(&countChart)
        if authorizedPerMinute.isEmpty && declinedPerMinute.isEmpty {
            countChart.series = countChart.series.map { ChartSeries(name: $0.name, points: []) }
        }
        var latencyChart = LineChart(
            title: "Mean time from creation to authorization per minute",
            series: [
                ChartSeries(
                    name: "mean ms",
                    points: minutes.compactMap { minute in
                        guard let (total, count) = latencyPerMinute[minute], count > 0 else { return nil }
                        let mean = Double(total) / Double(count)
                        return ChartPoint(
                            x: Double(minute), y: mean,
                            label:
                                "\(Int64(mean.rounded())) ms mean over \(count) at \(DashboardTime.minute(minute * 60))"
                        )
                    })
            ], xAxisTitle: "minute (UTC)", yAxisTitle: "ms")
        minuteAxis(&latencyChart)

        return OverviewPage(
            layout: layout, day: DashboardTime.date(nowUnixSeconds),
            volumes: gross.keys.sorted().map { currency in
                OverviewPage.Volume(
                    currency: currency.code,
                    gross: overflowed.contains(currency)
                        ? "overflow"
                        : Money(minorUnits: gross[currency] ?? 0, currency: currency).description,
                    count: Self.payments(counts[currency] ?? 0),
                    refunded: Money(minorUnits: refunded[currency] ?? 0, currency: currency).description)
            }, authorizationRate: rate, authorized: authorized, declined: declined,
            blocked: declines[DeclineCode.fraudulent.rawValue] ?? 0, challenged: challenged,
            declines: declines.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map {
                OverviewPage.Decline(code: $0.key, count: $0.value)
            }, disputesOpen: disputes, disputesOpenCount: disputes.count, nextPayouts: [],
            volumeCharts: volumeCharts,
            countChart: countChart.svg(), latencyChart: latencyChart.svg())
    }

    /// What the daily settlement would pay if it ran now: it settles what is captured and pays
    /// out the merchant's balance when positive (a negative one is carried over), so the
    /// ledger's settled and pending balances of the merchant, added, per currency.
    static func nextPayouts(
        _ merchant: MerchantID, _ backend: ServerBackend
    ) async -> [OverviewPage.NextPayout] {
        var payouts: [OverviewPage.NextPayout] = []
        for currency in Currency.all {
            let settled = await backend.system.ledger.balance(of: .merchantBalance(merchant, currency))
                .balance
            let pending = await backend.system.ledger.balance(of: .merchantPending(merchant, currency))
                .balance
            let (total, overflow) = settled.addingReportingOverflow(pending)
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
