/// A line chart drawn as one self-contained SVG element: axes with round ticks and grid lines,
/// one coloured line per series with a mark at each point, a legend, and hover values through
/// each mark's `<title>` (no script). The markup needs no stylesheet, so a dashboard page and
/// a saved report draw it the same way.
///
/// Stacked, the series are drawn as areas one on top of the other (outcomes that add up to a
/// whole); bands shade spans of the x axis behind the data (fault windows, load stages).
///
/// Each mark also carries its series and raw values (`data-series`, `data-x`, `data-y`), so
/// that a test in a browser can check what was drawn against what was meant.
public struct LineChart: Sendable {
    public var title: String
    public var series: [ChartSeries]
    public var xAxisTitle: String
    public var yAxisTitle: String
    public var widthPoints: Double = 640
    public var heightPoints: Double = 260
    /// Tick labels; the y axis starts at zero unless a value lies below it.
    public var xTickLabel: @Sendable (Double) -> String = { SVGText.number($0) }
    public var yTickLabel: @Sendable (Double) -> String = { SVGText.number($0) }
    public var xTickCountMax = 7
    public var yTickCountMax = 5
    /// The x range drawn; the data's own range when nil. Several charts of one time window
    /// share it so that their x axes line up.
    public var xDomain: ClosedRange<Double>?
    /// Ticks on whole numbers only (minutes, counts): no tick between two minutes.
    public var xTicksIntegral = false
    /// Draw the series as stacked areas: each point's height adds to those of the series
    /// before it (matched by index), and its hover text gives its own value.
    public var isStacked = false
    /// Spans shaded behind the data, in x coordinates.
    public var bands: [ChartBand] = []

    /// Colours taken in turn by the series (then reused).
    public static let palette = [
        "#635bff", "#0a9396", "#ee9b00", "#ae2012", "#3a86ff", "#6a4c93", "#e76f51", "#8ac926", "#1d3557",
        "#f15bb5",
    ]

    static let marginLeftPoints = 64.0
    static let marginRightPoints = 16.0
    static let marginTopPoints = 44.0
    static let marginBottomPoints = 58.0

    public init(title: String, series: [ChartSeries], xAxisTitle: String, yAxisTitle: String) {
        self.title = title
        self.series = series
        self.xAxisTitle = xAxisTitle
        self.yAxisTitle = yAxisTitle
    }

    /// The plot's frame: where data coordinates land on the drawing.
    struct Frame {
        var left: Double
        var right: Double
        var top: Double
        var bottom: Double
        var xDomain: ClosedRange<Double>
        var xTicks: [Double]
        var yTicks: [Double]

        func x(_ value: Double) -> Double {
            scale(value, xDomain.lowerBound, xDomain.upperBound, left, right)
        }
        func y(_ value: Double) -> Double {
            scale(value, yTicks.first ?? 0, yTicks.last ?? 1, bottom, top)
        }

        private func scale(
            _ value: Double, _ low: Double, _ high: Double, _ from: Double, _ to: Double
        ) -> Double {
            guard high > low else { return (from + to) / 2 }
            return from + (value - low) / (high - low) * (to - from)
        }
    }

    func frame() -> Frame {
        let points = series.flatMap(\.points)
        let ys = isStacked ? (stackedTops().last ?? []) + points.map(\.y) : points.map(\.y)
        let domain: ClosedRange<Double>
        if let xDomain {
            domain = xDomain
        } else {
            let xs = points.map(\.x)
            let ticks = ChartTicks.nice(lower: xs.min() ?? 0, upper: xs.max() ?? 1, countMax: xTickCountMax)
            domain = (ticks.first ?? 0)...(ticks.last ?? 1)
        }
        var xTicks = ChartTicks.nice(
            lower: domain.lowerBound, upper: domain.upperBound, countMax: xTickCountMax)
        if xTicksIntegral && xTicks.count > 1 && xTicks[1] - xTicks[0] < 1 {
            xTicks = Array(stride(from: domain.lowerBound.rounded(.up), through: domain.upperBound, by: 1))
        }
        xTicks = xTicks.filter { domain.contains($0) }
        // Zero is always on the axis; a series of zeros gets the axis 0 to 1, not a sliver of
        // width 1e-9 whose ticks all print as 0.00.
        let yLow = Swift.min(0, ys.min() ?? 0)
        let yHigh = Swift.max(0, ys.max() ?? 1)
        let yTicks = ChartTicks.nice(
            lower: yLow, upper: yHigh > yLow ? yHigh : yLow + 1, countMax: yTickCountMax)
        return Frame(
            left: Self.marginLeftPoints, right: widthPoints - Self.marginRightPoints,
            top: Self.marginTopPoints,
            bottom: heightPoints - Self.marginBottomPoints - Double(legendLayout().rows - 1)
                * Self.legendRowPoints,
            xDomain: domain,
            xTicks: xTicks, yTicks: yTicks)
    }

    /// The chart as an `<svg>` element, built in one buffer: a chart of the dashboard's
    /// overview has hundreds of marks, and joining their pieces with `+` made each a dozen
    /// short strings.
    public func svg() -> String {
        let frame = frame()
        let n = SVGText.number
        let e = SVGText.escape
        var out = ""
        out.reserveCapacity(2_048 + series.reduce(0) { $0 + $1.points.count } * 220)
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" "
        out += "viewBox=\"0 0 \(n(widthPoints)) \(n(heightPoints))\" width=\"\(n(widthPoints))\" "
        out += "height=\"\(n(heightPoints))\" font-family=\"system-ui, sans-serif\" font-size=\"11\">"
        out += "<title>\(e(title))</title>"
        out += "<text class=\"chart-title\" x=\"8\" y=\"18\" font-size=\"13\" "
        out += "font-weight=\"600\" fill=\"#1a1f36\">\(e(title))</text>"
        drawBands(frame, into: &out)
        axes(frame, into: &out)
        if series.allSatisfy({ $0.points.isEmpty }) {
            out += "<text class=\"chart-empty\" x=\"\(n((frame.left + frame.right) / 2))\" "
            out += "y=\"\(n((frame.top + frame.bottom) / 2))\" text-anchor=\"middle\" fill=\"#697386\">"
            out += "No data yet</text>"
        }
        if isStacked {
            drawStacked(frame, into: &out)
        } else {
            for (index, line) in series.enumerated() {
                draw(line, colour: Self.palette[index % Self.palette.count], frame: frame, into: &out)
            }
        }
        legend(frame, into: &out)
        out += "</svg>"
        return out
    }

    private func axes(_ frame: Frame, into out: inout String) {
        let n = SVGText.number
        let e = SVGText.escape
        out += "<g class=\"axis axis-y\" stroke=\"#e3e8ee\">"
        for tick in frame.yTicks {
            let y = n(frame.y(tick))
            out += "<line class=\"grid\" x1=\"\(n(frame.left))\" x2=\"\(n(frame.right))\" y1=\"\(y)\" "
            out += "y2=\"\(y)\"/>"
            out += "<text class=\"tick\" x=\"\(n(frame.left - 6))\" y=\"\(n(frame.y(tick) + 4))\" "
            out += "text-anchor=\"end\" stroke=\"none\" fill=\"#697386\">\(e(yTickLabel(tick)))</text>"
        }
        out += "</g><g class=\"axis axis-x\" stroke=\"#8792a2\">"
        out += "<line x1=\"\(n(frame.left))\" x2=\"\(n(frame.right))\" y1=\"\(n(frame.bottom))\" "
        out += "y2=\"\(n(frame.bottom))\"/>"
        for tick in frame.xTicks {
            let x = n(frame.x(tick))
            out += "<line class=\"tick-mark\" x1=\"\(x)\" x2=\"\(x)\" y1=\"\(n(frame.bottom))\" "
            out += "y2=\"\(n(frame.bottom + 4))\"/>"
            out += "<text class=\"tick\" x=\"\(x)\" y=\"\(n(frame.bottom + 16))\" text-anchor=\"middle\" "
            out += "stroke=\"none\" fill=\"#697386\">\(e(xTickLabel(tick)))</text>"
        }
        out += "</g>"
        out += "<text class=\"axis-title\" x=\"\(n(frame.right))\" y=\"\(n(frame.bottom + 30))\" "
        out += "text-anchor=\"end\" fill=\"#697386\">\(e(xAxisTitle))</text>"
        out += "<text class=\"axis-title\" x=\"8\" y=\"\(n(frame.top - 12))\" "
        out += "text-anchor=\"start\" fill=\"#697386\">\(e(yAxisTitle))</text>"
    }

    private func draw(_ line: ChartSeries, colour: String, frame: Frame, into out: inout String) {
        let n = SVGText.number
        let name = SVGText.escape(line.name)
        out += "<g class=\"series\" data-series=\"\(name)\">"
        if line.points.count > 1 {
            out += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" "
            out += "stroke-linejoin=\"round\" points=\""
            for (index, point) in line.points.enumerated() {
                if index > 0 { out += " " }
                out += "\(n(frame.x(point.x))),\(n(frame.y(point.y)))"
            }
            out += "\"/>"
        }
        let radius = Self.markRadius(line.points.count)
        for point in line.points {
            mark(
                point, of: line, named: name, at: frame.y(point.y), radius: radius, colour: colour,
                frame: frame, into: &out)
        }
        out += "</g>"
    }

    /// Dense series get small marks, so that the line stays readable.
    static func markRadius(_ count: Int) -> String {
        count > 200 ? "1.3" : count > 30 ? "2.2" : "3.5"
    }

    /// One point's mark with its values and hover text, drawn at `y` on the drawing;
    /// `escapedName` is the series' name escaped once for all its marks.
    private func mark(
        _ point: ChartPoint, of line: ChartSeries, named escapedName: String, at y: Double, radius: String,
        colour: String, frame: Frame, into out: inout String
    ) {
        let n = SVGText.number
        let hover = point.label ?? "\(line.name): \(yTickLabel(point.y)) at \(xTickLabel(point.x))"
        out += "<circle class=\"point\" cx=\"\(n(frame.x(point.x)))\" cy=\"\(n(y))\" "
        out += "r=\"\(radius)\" fill=\"\(colour)\" data-series=\"\(escapedName)\" data-x=\"\(n(point.x))\" "
        out += "data-y=\"\(n(point.y))\"><title>\(SVGText.escape(hover))</title></circle>"
    }

    /// The running totals of the stacked series: `tops[i][j]` is the sum of point j of series
    /// 0 through i (series are matched by index, up to the shortest).
    func stackedTops() -> [[Double]] {
        let count = series.map(\.points.count).min() ?? 0
        var tops: [[Double]] = []
        var running = [Double](repeating: 0, count: count)
        for line in series {
            for index in 0..<count { running[index] += max(0, line.points[index].y) }
            tops.append(running)
        }
        return tops
    }

    private func drawStacked(_ frame: Frame, into out: inout String) {
        let n = SVGText.number
        let tops = stackedTops()
        for (index, line) in series.enumerated() {
            let colour = Self.palette[index % Self.palette.count]
            let top = tops[index]
            let bottom = index == 0 ? [Double](repeating: 0, count: top.count) : tops[index - 1]
            let xs = line.points.prefix(top.count).map { frame.x($0.x) }
            let name = SVGText.escape(line.name)
            out += "<g class=\"series stacked\" data-series=\"\(name)\">"
            if top.count > 1 {
                let upper = zip(xs, top).map { "\(n($0)),\(n(frame.y($1)))" }
                let lower = zip(xs, bottom).reversed().map { "\(n($0)),\(n(frame.y($1)))" }
                out += "<polygon fill=\"\(colour)\" fill-opacity=\"0.55\" stroke=\"none\" "
                out += "points=\"\((upper + lower).joined(separator: " "))\"/>"
                out += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\" "
                out += "stroke-linejoin=\"round\" points=\"\(upper.joined(separator: " "))\"/>"
            }
            let radius = Self.markRadius(top.count)
            for (point, y) in zip(line.points.prefix(top.count), top) {
                mark(
                    point, of: line, named: name, at: frame.y(y), radius: radius, colour: colour,
                    frame: frame, into: &out)
            }
            out += "</g>"
        }
    }

    private func drawBands(_ frame: Frame, into out: inout String) {
        guard !bands.isEmpty else { return }
        let n = SVGText.number
        let e = SVGText.escape
        out += "<g class=\"bands\">"
        var stageIndex = 0
        for band in bands {
            let low = max(frame.xDomain.lowerBound, min(band.startX, band.endX))
            let high = min(frame.xDomain.upperBound, max(band.startX, band.endX))
            guard high >= low else { continue }
            let left = frame.x(low)
            // An instant (a crash) still shows: at least two points wide.
            let width = max(2, frame.x(high) - left)
            let fill: String
            switch band.kind {
            case .fault: fill = "fill=\"#ae2012\" fill-opacity=\"0.13\""
            case .stage:
                stageIndex += 1
                fill = "fill=\"#635bff\" fill-opacity=\"\(stageIndex % 2 == 0 ? "0.07" : "0.02")\""
            case .marker: fill = "fill=\"#0a9396\" fill-opacity=\"0.25\""
            }
            out += "<rect class=\"band band-\(band.kind.rawValue)\" x=\"\(n(left))\" y=\"\(n(frame.top))\" "
            out += "width=\"\(n(width))\" height=\"\(n(frame.bottom - frame.top))\" \(fill) "
            out += "data-label=\"\(e(band.label))\"><title>\(e(band.label))</title></rect>"
            if band.kind != .fault, width > Double(band.label.count) * 5 + 6 {
                out += "<text class=\"band-label\" x=\"\(n(left + 3))\" y=\"\(n(frame.top + 10))\" "
                out += "font-size=\"9\" fill=\"#697386\">\(e(band.label))</text>"
            }
        }
        out += "</g>"
    }

    static let legendRowPoints = 16.0

    /// Where each legend entry goes: its x and its row (entries wrap to a new row below when
    /// the next would pass the right edge), and the fault swatch last when any band is a fault.
    func legendLayout() -> (entries: [(x: Double, row: Int)], rows: Int) {
        var names = series.map(\.name)
        if bands.contains(where: { $0.kind == .fault }) { names.append(Self.faultLegendName) }
        var entries: [(x: Double, row: Int)] = []
        var x = Self.marginLeftPoints
        var row = 0
        for name in names {
            // Wide enough for a short name; long names are the caller's to shorten.
            let width = 24 + Double(name.count) * 7
            if x > Self.marginLeftPoints, x + width > widthPoints - Self.marginRightPoints {
                row += 1
                x = Self.marginLeftPoints
            }
            entries.append((x, row))
            x += width
        }
        return (entries, row + 1)
    }

    static let faultLegendName = "fault on"

    private func legend(_ frame: Frame, into out: inout String) {
        let n = SVGText.number
        let layout = legendLayout()
        out += "<g class=\"legend\">"
        let firstRowY = heightPoints - 14 - Double(layout.rows - 1) * Self.legendRowPoints
        for (index, entry) in layout.entries.enumerated() {
            let isFault = index >= series.count
            let colour = isFault ? "#ae2012" : Self.palette[index % Self.palette.count]
            let name = isFault ? Self.faultLegendName : series[index].name
            let y = firstRowY + Double(entry.row) * Self.legendRowPoints
            out += "<rect x=\"\(n(entry.x))\" y=\"\(n(y - 9))\" width=\"10\" height=\"10\" rx=\"2\" "
            out += "fill=\"\(colour)\"\(isFault ? " fill-opacity=\"0.35\"" : "")/>"
            out += "<text class=\"legend-label\" x=\"\(n(entry.x + 14))\" y=\"\(n(y))\" fill=\"#1a1f36\">"
            out += "\(SVGText.escape(name))</text>"
        }
        out += "</g>"
    }
}
