/// A line chart drawn as one self-contained SVG element: axes with round ticks and grid lines,
/// one coloured line per series with a mark at each point, a legend, and hover values through
/// each mark's `<title>` (no script). The markup needs no stylesheet, so a dashboard page and
/// a saved report draw it the same way.
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

    /// Colours taken in turn by the series (then reused).
    public static let palette = ["#635bff", "#0a9396", "#ee9b00", "#ae2012", "#3a86ff", "#6a4c93"]

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
        let ys = points.map(\.y)
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
        let yTicks = ChartTicks.nice(
            lower: Swift.min(0, ys.min() ?? 0), upper: Swift.max(ys.max() ?? 1, 1e-9),
            countMax: yTickCountMax)
        return Frame(
            left: Self.marginLeftPoints, right: widthPoints - Self.marginRightPoints,
            top: Self.marginTopPoints, bottom: heightPoints - Self.marginBottomPoints, xDomain: domain,
            xTicks: xTicks, yTicks: yTicks)
    }

    /// The chart as an `<svg>` element.
    public func svg() -> String {
        let frame = frame()
        let n = SVGText.number
        let e = SVGText.escape
        var out =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" "
            + "viewBox=\"0 0 \(n(widthPoints)) \(n(heightPoints))\" width=\"\(n(widthPoints))\" "
            + "height=\"\(n(heightPoints))\" font-family=\"system-ui, sans-serif\" font-size=\"11\">"
        out += "<title>\(e(title))</title>"
        out +=
            "<text class=\"chart-title\" x=\"8\" y=\"18\" font-size=\"13\" "
            + "font-weight=\"600\" fill=\"#1a1f36\">\(e(title))</text>"
        out += axes(frame)
        if series.allSatisfy({ $0.points.isEmpty }) {
            out +=
                "<text class=\"chart-empty\" x=\"\(n((frame.left + frame.right) / 2))\" "
                + "y=\"\(n((frame.top + frame.bottom) / 2))\" text-anchor=\"middle\" fill=\"#697386\">"
                + "No data yet</text>"
        }
        for (index, line) in series.enumerated() {
            out += draw(line, colour: Self.palette[index % Self.palette.count], frame: frame)
        }
        out += legend(frame)
        out += "</svg>"
        return out
    }

    private func axes(_ frame: Frame) -> String {
        let n = SVGText.number
        let e = SVGText.escape
        var out = "<g class=\"axis axis-y\" stroke=\"#e3e8ee\">"
        for tick in frame.yTicks {
            let y = frame.y(tick)
            out +=
                "<line class=\"grid\" x1=\"\(n(frame.left))\" x2=\"\(n(frame.right))\" y1=\"\(n(y))\" "
                + "y2=\"\(n(y))\"/>"
            out +=
                "<text class=\"tick\" x=\"\(n(frame.left - 6))\" y=\"\(n(y + 4))\" text-anchor=\"end\" "
                + "stroke=\"none\" fill=\"#697386\">\(e(yTickLabel(tick)))</text>"
        }
        out += "</g><g class=\"axis axis-x\" stroke=\"#8792a2\">"
        out +=
            "<line x1=\"\(n(frame.left))\" x2=\"\(n(frame.right))\" y1=\"\(n(frame.bottom))\" "
            + "y2=\"\(n(frame.bottom))\"/>"
        for tick in frame.xTicks {
            let x = frame.x(tick)
            out +=
                "<line class=\"tick-mark\" x1=\"\(n(x))\" x2=\"\(n(x))\" y1=\"\(n(frame.bottom))\" "
                + "y2=\"\(n(frame.bottom + 4))\"/>"
            out +=
                "<text class=\"tick\" x=\"\(n(x))\" y=\"\(n(frame.bottom + 16))\" text-anchor=\"middle\" "
                + "stroke=\"none\" fill=\"#697386\">\(e(xTickLabel(tick)))</text>"
        }
        out += "</g>"
        out +=
            "<text class=\"axis-title\" x=\"\(n(frame.right))\" y=\"\(n(frame.bottom + 30))\" "
            + "text-anchor=\"end\" fill=\"#697386\">\(e(xAxisTitle))</text>"
        out +=
            "<text class=\"axis-title\" x=\"8\" y=\"\(n(frame.top - 12))\" "
            + "text-anchor=\"start\" fill=\"#697386\">\(e(yAxisTitle))</text>"
        return out
    }

    private func draw(_ line: ChartSeries, colour: String, frame: Frame) -> String {
        let n = SVGText.number
        let e = SVGText.escape
        let name = e(line.name)
        var out = "<g class=\"series\" data-series=\"\(name)\">"
        if line.points.count > 1 {
            let path = line.points.map { "\(n(frame.x($0.x))),\(n(frame.y($0.y)))" }.joined(separator: " ")
            out +=
                "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" "
                + "stroke-linejoin=\"round\" points=\"\(path)\"/>"
        }
        // Dense series get small marks, so that the line stays readable.
        let radius = line.points.count > 30 ? "2.2" : "3.5"
        for point in line.points {
            let hover =
                point.label ?? "\(line.name): \(yTickLabel(point.y)) at \(xTickLabel(point.x))"
            out +=
                "<circle class=\"point\" cx=\"\(n(frame.x(point.x)))\" cy=\"\(n(frame.y(point.y)))\" "
                + "r=\"\(radius)\" fill=\"\(colour)\" data-series=\"\(name)\" data-x=\"\(n(point.x))\" "
                + "data-y=\"\(n(point.y))\"><title>\(e(hover))</title></circle>"
        }
        return out + "</g>"
    }

    private func legend(_ frame: Frame) -> String {
        let n = SVGText.number
        var out = "<g class=\"legend\">"
        var x = frame.left
        let y = heightPoints - 14
        for (index, line) in series.enumerated() {
            let colour = Self.palette[index % Self.palette.count]
            out +=
                "<rect x=\"\(n(x))\" y=\"\(n(y - 9))\" width=\"10\" height=\"10\" rx=\"2\" "
                + "fill=\"\(colour)\"/>"
            out +=
                "<text class=\"legend-label\" x=\"\(n(x + 14))\" y=\"\(n(y))\" fill=\"#1a1f36\">"
                + "\(SVGText.escape(line.name))</text>"
            // Wide enough for a short name; long names are the caller's to shorten.
            x += 24 + Double(line.name.count) * 7
        }
        return out + "</g>"
    }
}
