/// A shaded span of the x axis drawn behind a chart's data: when a fault was on, or which stage
/// of the load a stretch of time belongs to. Its label is the band's hover text, and stage
/// bands also print it along the top of the plot.
public struct ChartBand: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// A fault window: red, translucent, so that overlapping faults darken.
        case fault
        /// A stage of the load: alternate stages are tinted, each labelled.
        case stage
        /// A marked point or region of interest (a capacity knee).
        case marker
    }

    public var kind: Kind
    public var startX: Double
    public var endX: Double
    public var label: String

    public init(kind: Kind, startX: Double, endX: Double, label: String) {
        self.kind = kind
        self.startX = startX
        self.endX = endX
        self.label = label
    }
}
