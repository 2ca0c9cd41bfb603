/// One point of a series: where it sits and what hovering over it says.
///
/// Coordinates are `Double` because they only place marks on the drawing: an amount plotted
/// here has been converted for display, and nothing computed from a point flows back into money.
public struct ChartPoint: Sendable, Hashable {
    public var x: Double
    public var y: Double
    /// The hover text (an SVG `<title>`); the x and y labels when nil.
    public var label: String?

    public init(x: Double, y: Double, label: String? = nil) {
        self.x = x
        self.y = y
        self.label = label
    }
}
