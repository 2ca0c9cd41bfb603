import Foundation
import Testing

@testable import Charts

@Suite struct LineChartTests {
    @Test func ticksAreRoundStepsCoveringTheRange() {
        #expect(ChartTicks.nice(lower: 0, upper: 97, countMax: 6) == [0, 20, 40, 60, 80, 100])
        #expect(ChartTicks.nice(lower: 3, upper: 7, countMax: 5) == [3, 4, 5, 6, 7])
        let tenths = ChartTicks.nice(lower: 0, upper: 0.3, countMax: 4)
        #expect(tenths.count == 4)
        #expect(abs(tenths[3] - 0.3) < 1e-9)
        // A flat series still gets an axis around its value.
        #expect(ChartTicks.nice(lower: 5, upper: 5, countMax: 3) == [4, 5, 6])
    }

    @Test func eachPointIsDrawnWithItsValuesAndHoverText() {
        let chart = LineChart(
            title: "Volume",
            series: [
                ChartSeries(
                    name: "USD",
                    points: [ChartPoint(x: 0, y: 10), ChartPoint(x: 1, y: 40, label: "40 at minute 1")])
            ], xAxisTitle: "minute", yAxisTitle: "USD")
        let svg = chart.svg()
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.hasSuffix("</svg>"))
        #expect(svg.contains("data-series=\"USD\" data-x=\"0\" data-y=\"10\""))
        #expect(svg.contains("data-series=\"USD\" data-x=\"1\" data-y=\"40\""))
        #expect(svg.contains("<title>40 at minute 1</title>"))
        #expect(svg.contains("<title>USD: 10 at 0</title>"))
        #expect(svg.components(separatedBy: "<circle").count == 3)
        #expect(svg.contains("<polyline"))
        #expect(svg.contains("class=\"legend-label\""))
        #expect(!svg.contains("No data yet"))
    }

    @Test func higherValuesAreDrawnHigher() {
        let chart = LineChart(
            title: "t",
            series: [ChartSeries(name: "a", points: [ChartPoint(x: 0, y: 1), ChartPoint(x: 1, y: 9)])],
            xAxisTitle: "x", yAxisTitle: "y")
        let svg = chart.svg()
        let cys = svg.components(separatedBy: "cy=\"").dropFirst().compactMap {
            Double($0.prefix { $0 != "\"" })
        }
        #expect(cys.count == 2)
        // SVG's y grows downwards.
        #expect(cys[1] < cys[0])
    }

    @Test func namesAndTitlesAreEscaped() {
        let chart = LineChart(
            title: "<script>alert(1)</script>",
            series: [ChartSeries(name: "\"><b>", points: [ChartPoint(x: 0, y: 1, label: "a & b")])],
            xAxisTitle: "<x>", yAxisTitle: "y'")
        let svg = chart.svg()
        #expect(!svg.contains("<script>"))
        #expect(!svg.contains("<b>"))
        #expect(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(svg.contains("data-series=\"&quot;&gt;&lt;b&gt;\""))
        #expect(svg.contains("<title>a &amp; b</title>"))
        #expect(svg.contains("y&#39;"))
    }

    @Test func aSeriesOfZerosGetsAnAxisOfDistinctRoundTicks() {
        let chart = LineChart(
            title: "t",
            series: [ChartSeries(name: "a", points: [ChartPoint(x: 0, y: 0), ChartPoint(x: 1, y: 0)])],
            xAxisTitle: "x", yAxisTitle: "y")
        let ticks = chart.frame().yTicks
        #expect(ticks.first == 0)
        #expect(ticks.last == 1)
        #expect(Set(ticks.map { chart.yTickLabel($0) }).count == ticks.count)
    }

    @Test func anEmptyChartSaysSo() {
        let svg = LineChart(
            title: "Nothing", series: [ChartSeries(name: "USD", points: [])], xAxisTitle: "x",
            yAxisTitle: "y"
        ).svg()
        #expect(svg.contains("No data yet"))
        #expect(!svg.contains("<circle"))
    }
}

@Suite struct LineChartDomainTests {
    @Test func aFixedDomainWithIntegralTicksHasNoTickBetweenWholeNumbers() {
        var chart = LineChart(
            title: "t", series: [ChartSeries(name: "a", points: [ChartPoint(x: 101, y: 2)])], xAxisTitle: "x",
            yAxisTitle: "y")
        chart.xDomain = 100...102
        chart.xTicksIntegral = true
        let svg = chart.svg()
        let ticks = svg.components(separatedBy: "class=\"tick-mark\"").count - 1
        #expect(ticks == 3)
        // The one point sits in the middle of the domain.
        let frame = chart.frame()
        #expect(abs(frame.x(101) - (frame.left + frame.right) / 2) < 1e-9)
    }
}
