import Charts
import Core

/// The overview's last minutes (`first...last`, by the minute each payment was created in) as
/// the values of its charts: volume per currency, authorizations and declines, authorization
/// latency. Each chart is an `OverviewChart` value, drawn once per value and kept.
struct OverviewMinutes {
    let first: Int64
    /// A value per minute of the window, oldest first (0 for a minute without one).
    var volume: [Currency: [Int64]] = [:]
    var authorized: [Int64]
    var declined: [Int64]
    var latencyTotalMilliseconds: [Int64]
    var latencyCounts: [Int64]

    init(_ figures: OverviewFigures, first: Int64, last: Int64) {
        self.first = first
        let zeros = [Int64](repeating: 0, count: Int(last - first + 1))
        (authorized, declined, latencyTotalMilliseconds, latencyCounts) = (zeros, zeros, zeros, zeros)
        for figure in figures.minutes where figure.minute >= first && figure.minute <= last {
            let index = Int(figure.minute - first)
            for entry in figure.volumes where entry.grossMinorUnits != 0 {
                volume[Currency.all[Int(entry.currencyIndex)], default: zeros][index] = entry.grossMinorUnits
            }
            if figure.authorized > 0 {
                authorized[index] = figure.authorized
                latencyTotalMilliseconds[index] = figure.latencyTotalMilliseconds
                latencyCounts[index] = figure.latencyCount
            }
            if figure.declined > 0 { declined[index] = figure.declined }
        }
    }

    /// One volume chart per currency that has volume in the window (amounts in different
    /// currencies share no scale), or one empty chart.
    var volumeCharts: [OverviewChart] {
        guard !volume.isEmpty else {
            return [.volume(nil, first: first, minorUnits: [Int64](repeating: 0, count: authorized.count))]
        }
        return volume.keys.sorted().map { .volume($0, first: first, minorUnits: volume[$0] ?? []) }
    }

    var countChart: OverviewChart { .counts(first: first, authorized: authorized, declined: declined) }

    var latencyChart: OverviewChart {
        .latency(first: first, totalMilliseconds: latencyTotalMilliseconds, counts: latencyCounts)
    }
}

/// One chart of the overview as the figures it draws, a value per minute from `first`: equal
/// values draw equal SVG, so a chart is drawn once and kept (`Dashboard.overviewCharts`) until a
/// payment changes its figures or the window moves on a minute.
enum OverviewChart: Hashable, Sendable {
    /// The currency's captured volume; nil: the empty chart of a window with no volume.
    case volume(Currency?, first: Int64, minorUnits: [Int64])
    case counts(first: Int64, authorized: [Int64], declined: [Int64])
    case latency(first: Int64, totalMilliseconds: [Int64], counts: [Int64])

    var svg: String { chart.svg() }

    var chart: LineChart {
        switch self {
        case .volume(let currency?, let first, let minorUnits):
            return Self.withMinuteAxis(
                LineChart(
                    title: "Captured volume per minute, \(currency.code)",
                    series: [
                        ChartSeries(
                            name: currency.code,
                            points: minorUnits.enumerated().map { offset, minor in
                                let minute = first + Int64(offset)
                                let money = Money(minorUnits: minor, currency: currency)
                                return ChartPoint(
                                    x: Double(minute), y: Double(minor) / Double(currency.minorUnitsPerMajor),
                                    label: "\(money) at \(DashboardTime.minute(minute * 60))")
                            })
                    ], xAxisTitle: "minute (UTC)", yAxisTitle: currency.code),
                first: first, count: minorUnits.count)
        case .volume(nil, let first, let minorUnits):
            return Self.withMinuteAxis(
                LineChart(
                    title: "Captured volume per minute", series: [], xAxisTitle: "minute (UTC)",
                    yAxisTitle: "volume"),
                first: first, count: minorUnits.count)
        case .counts(let first, let authorized, let declined):
            let isEmpty = !authorized.contains { $0 != 0 } && !declined.contains { $0 != 0 }
            return Self.withMinuteAxis(
                LineChart(
                    title: "Authorizations and declines per minute",
                    series: [("authorized", authorized), ("declined", declined)].map { name, counts in
                        ChartSeries(
                            name: name,
                            points: isEmpty
                                ? []
                                : counts.enumerated().map { offset, count in
                                    let minute = first + Int64(offset)
                                    return ChartPoint(
                                        x: Double(minute), y: Double(count),
                                        label: "\(count) \(name) at \(DashboardTime.minute(minute * 60))")
                                })
                    }, xAxisTitle: "minute (UTC)", yAxisTitle: "payments"),
                first: first, count: authorized.count)
        case .latency(let first, let totals, let counts):
            return Self.withMinuteAxis(
                LineChart(
                    title: "Mean time from creation to authorization per minute",
                    series: [
                        ChartSeries(
                            name: "mean ms",
                            points: zip(totals, counts).enumerated().compactMap { offset, figures in
                                let (total, count) = figures
                                guard count > 0 else { return nil }
                                let minute = first + Int64(offset)
                                let mean = Double(total) / Double(count)
                                return ChartPoint(
                                    x: Double(minute), y: mean,
                                    label:
                                        "\(Int64(mean.rounded())) ms mean over \(count) at \(DashboardTime.minute(minute * 60))"
                                )
                            })
                    ], xAxisTitle: "minute (UTC)", yAxisTitle: "ms"),
                first: first, count: totals.count)
        }
    }

    /// Every chart shows the same window, labelled by UTC minute, even with no points in it.
    private static func withMinuteAxis(_ chart: LineChart, first: Int64, count: Int) -> LineChart {
        var chart = chart
        chart.xTickLabel = { DashboardTime.minute(Int64($0) * 60) }
        chart.xDomain = Double(first)...Double(first + Int64(count) - 1)
        chart.xTicksIntegral = true
        return chart
    }
}
