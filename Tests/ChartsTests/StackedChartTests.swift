import Testing

@testable import Charts

@Suite struct StackedChartTests {
    @Test func stackedAreasAddUpAndHoverTheirOwnValue() {
        var chart = LineChart(
            title: "Outcomes",
            series: [
                ChartSeries(name: "captured", points: [ChartPoint(x: 0, y: 10), ChartPoint(x: 1, y: 20)]),
                ChartSeries(name: "declined", points: [ChartPoint(x: 0, y: 5), ChartPoint(x: 1, y: 5)]),
            ], xAxisTitle: "s", yAxisTitle: "per second")
        chart.isStacked = true
        #expect(chart.stackedTops() == [[10, 20], [15, 25]])
        // The y axis covers the stack's top, not the largest single value.
        #expect((chart.frame().yTicks.last ?? 0) >= 25)
        let svg = chart.svg()
        #expect(svg.components(separatedBy: "<polygon").count - 1 == 2)
        // The declined mark at x = 1 sits at the stack's height (25) and says its own value (5).
        let frame = chart.frame()
        let top = SVGText.number(frame.y(25))
        #expect(
            svg.contains("cy=\"\(top)\" r=\"3.5\" fill=\"\(LineChart.palette[1])\" data-series=\"declined\""))
        #expect(svg.contains("<title>declined: 5 at 1</title>"))
    }

    @Test func bandsShadeTheirSpanBehindTheDataWithTheirLabel() {
        var chart = LineChart(
            title: "t",
            series: [ChartSeries(name: "a", points: [ChartPoint(x: 0, y: 1), ChartPoint(x: 10, y: 2)])],
            xAxisTitle: "x", yAxisTitle: "y")
        chart.xDomain = 0...10
        chart.bands = [
            ChartBand(kind: .stage, startX: 0, endX: 5, label: "stage 1"),
            ChartBand(kind: .fault, startX: 2, endX: 2, label: "crash <process>"),
        ]
        let svg = chart.svg()
        #expect(svg.contains("class=\"band band-stage\""))
        #expect(svg.contains("<title>crash &lt;process&gt;</title>"))
        // Bands come before the lines, so that the data is drawn over them.
        let band = svg.range(of: "band-fault")!.lowerBound
        let line = svg.range(of: "<polyline")!.lowerBound
        #expect(band < line)
        // An instant is still two points wide; the legend names the fault shading.
        #expect(svg.contains("width=\"2\""))
        #expect(svg.contains(">\(LineChart.faultLegendName)</text>"))
    }

    @Test func aLongLegendWrapsAndThePlotMakesRoomForIt() {
        let names = (1...12).map { "decline_code_\($0)" }
        let chart = LineChart(
            title: "t", series: names.map { ChartSeries(name: $0, points: [ChartPoint(x: 0, y: 1)]) },
            xAxisTitle: "x", yAxisTitle: "y")
        let layout = chart.legendLayout()
        #expect(layout.rows > 1)
        #expect(layout.entries.allSatisfy { $0.x + 24 < chart.widthPoints })
        let single = LineChart(
            title: "t", series: [names[0]].map { ChartSeries(name: $0, points: []) }, xAxisTitle: "x",
            yAxisTitle: "y")
        #expect(chart.frame().bottom < single.frame().bottom)
    }

    @Test func thinningKeepsTheShape() {
        let series = ChartSeries(
            name: "s", points: (0..<1_000).map { ChartPoint(x: Double($0), y: $0 == 500 ? 99 : 1) })
        let mean = series.thinned(toAtMost: 100, by: .mean)
        let peak = series.thinned(toAtMost: 100, by: .max)
        #expect(mean.points.count == 100)
        #expect(peak.points.map(\.y).max() == 99)
        #expect(
            abs(mean.points.reduce(0) { $0 + $1.y } / 100 - series.points.reduce(0) { $0 + $1.y } / 1_000)
                < 1e-9)
        #expect(series.thinned(toAtMost: 2_000, by: .mean) == series)
    }
}
