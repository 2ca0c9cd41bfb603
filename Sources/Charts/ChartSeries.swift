/// A named line of points, drawn in one colour and listed in the legend.
public struct ChartSeries: Sendable, Hashable {
    public var name: String
    /// In increasing x; drawn joined in this order.
    public var points: [ChartPoint]

    public init(name: String, points: [ChartPoint]) {
        self.name = name
        self.points = points
    }
}
