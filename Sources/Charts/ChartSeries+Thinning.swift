extension ChartSeries {
    /// How a bucket of neighbouring points becomes one when a series is thinned.
    public enum Reduction: Sendable {
        /// Their mean: rates and counts per second keep their area.
        case mean
        /// Their largest value: a latency percentile's spike stays visible.
        case max
    }

    /// The series with at most `countMax` points, each standing for an equal run of neighbours
    /// (x is the run's mean): a day of one point per second draws as a few hundred marks and a
    /// small file, with the same shape.
    public func thinned(toAtMost countMax: Int, by reduction: Reduction) -> ChartSeries {
        precondition(countMax >= 2, "a thinned series keeps two points")
        guard points.count > countMax else { return self }
        let bucket = (points.count + countMax - 1) / countMax
        var thinned: [ChartPoint] = []
        thinned.reserveCapacity(countMax)
        var index = 0
        while index < points.count {
            let slice = points[index..<min(points.count, index + bucket)]
            let x = slice.reduce(0) { $0 + $1.x } / Double(slice.count)
            let y =
                switch reduction {
                case .mean: slice.reduce(0) { $0 + $1.y } / Double(slice.count)
                case .max: slice.map(\.y).max() ?? 0
                }
            thinned.append(ChartPoint(x: x, y: y))
            index += bucket
        }
        return ChartSeries(name: name, points: thinned)
    }
}
