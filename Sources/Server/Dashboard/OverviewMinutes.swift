import Charts
import Core

/// The overview's last minutes (`first...last`, by the minute each payment was created in) and
/// their charts: volume per currency, authorizations and declines, authorization latency.
struct OverviewMinutes {
    let first: Int64
    let last: Int64
    var volume: [Currency: [Int64: Int64]] = [:]
    var authorized: [Int64: Int64] = [:]
    var declined: [Int64: Int64] = [:]
    var latency: [Int64: (totalMilliseconds: Int64, count: Int64)] = [:]

    init(_ figures: OverviewFigures, first: Int64, last: Int64) {
        self.first = first
        self.last = last
        for figure in figures.minutes where figure.minute >= first && figure.minute <= last {
            for entry in figure.volumes where entry.grossMinorUnits != 0 {
                volume[Currency.all[Int(entry.currencyIndex)], default: [:]][figure.minute] =
                    entry.grossMinorUnits
            }
            if figure.authorized > 0 {
                authorized[figure.minute] = figure.authorized
                latency[figure.minute] = (figure.latencyTotalMilliseconds, figure.latencyCount)
            }
            if figure.declined > 0 { declined[figure.minute] = figure.declined }
        }
    }

    var minutes: [Int64] { Array(first...last) }

    /// Every chart shows the same window, labelled by UTC minute, even with no points in it.
    func withMinuteAxis(_ chart: LineChart) -> LineChart {
        var chart = chart
        chart.xTickLabel = { DashboardTime.minute(Int64($0) * 60) }
        chart.xDomain = Double(first)...Double(last)
        chart.xTicksIntegral = true
        return chart
    }

    /// One volume chart per currency, as SVG: amounts in different currencies share no scale.
    func volumeCharts() -> [String] {
        var charts: [String] = []
        for currency in volume.keys.sorted() {
            let perMinute = volume[currency] ?? [:]
            let chart = LineChart(
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
            charts.append(withMinuteAxis(chart).svg())
        }
        if charts.isEmpty {
            let chart = LineChart(
                title: "Captured volume per minute", series: [], xAxisTitle: "minute (UTC)",
                yAxisTitle: "volume")
            charts.append(withMinuteAxis(chart).svg())
        }
        return charts
    }

    func countChart() -> LineChart {
        let minutes = minutes
        var chart = withMinuteAxis(
            LineChart(
                title: "Authorizations and declines per minute",
                series: [("authorized", authorized), ("declined", declined)].map { name, perMinute in
                    ChartSeries(
                        name: name,
                        points: minutes.map { minute in
                            let count = perMinute[minute] ?? 0
                            return ChartPoint(
                                x: Double(minute), y: Double(count),
                                label: "\(count) \(name) at \(DashboardTime.minute(minute * 60))")
                        })
                }, xAxisTitle: "minute (UTC)", yAxisTitle: "payments"))
        if authorized.isEmpty && declined.isEmpty {
            chart.series = chart.series.map { ChartSeries(name: $0.name, points: []) }
        }
        return chart
    }

    func latencyChart() -> LineChart {
        withMinuteAxis(
            LineChart(
                title: "Mean time from creation to authorization per minute",
                series: [
                    ChartSeries(
                        name: "mean ms",
                        points: minutes.compactMap { minute in
                            guard let (total, count) = latency[minute], count > 0 else { return nil }
                            let mean = Double(total) / Double(count)
                            return ChartPoint(
                                x: Double(minute), y: mean,
                                label:
                                    "\(Int64(mean.rounded())) ms mean over \(count) at \(DashboardTime.minute(minute * 60))"
                            )
                        })
                ], xAxisTitle: "minute (UTC)", yAxisTitle: "ms"))
    }
}
