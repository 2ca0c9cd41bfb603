/// The seeds of a swarm as written on the command line: "1-1000", "42", or "1-10,77,90-95".
public enum SeedList {
    /// Seeds in one swarm at most (a list, not a stream: it is held in memory).
    public static let countMax = 10_000_000

    /// The seeds in the order written, or nil if the text is malformed, a range is reversed or
    /// the list is longer than `countMax`.
    public static func parse(_ text: String) -> [UInt64]? {
        var seeds: [UInt64] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count == 1 || bounds.count == 2,
                let low = UInt64(bounds[0]), let high = bounds.count == 2 ? UInt64(bounds[1]) : low,
                low <= high, high - low < UInt64(countMax - seeds.count)
            else { return nil }
            seeds += low...high
        }
        return seeds.isEmpty ? nil : seeds
    }
}
