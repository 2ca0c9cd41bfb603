import Core

/// The payments recovery's fold saw retired (`PaymentRetiredRecord`), as sorted, disjoint,
/// non-adjacent ranges of ids.
///
/// Why ranges: ids are handed out in order and payments retire soon after they start, so the
/// retired ids form long runs broken only by the payments still held. The cost is one range
/// (16 bytes) per gap, that is per payment in flight or never retired (which the fold keeps in
/// full anyway), not per payment retired: a day of millions of payments stays a few thousand
/// ranges.
package struct RetiredPayments: Sendable, Hashable, Codable {
    /// Sorted by lower bound; no two overlap or touch.
    private(set) var ranges: [ClosedRange<UInt64>] = []
    /// Distinct ids inserted.
    package private(set) var count = 0

    package init() {}

    /// The number of ranges held (the memory cost, 16 bytes each).
    package var rangeCount: Int { ranges.count }

    package func contains(_ id: PaymentID) -> Bool {
        let index = firstIndex(endingAtOrAfter: id.rawValue)
        return index < ranges.count && ranges[index].contains(id.rawValue)
    }

    /// Adds `id`; returns false if it was already there.
    @discardableResult
    package mutating func insert(_ id: PaymentID) -> Bool {
        let value = id.rawValue
        let index = firstIndex(endingAtOrAfter: value)
        if index < ranges.count && ranges[index].contains(value) { return false }
        count += 1
        let joinsNext = index < ranges.count && value < UInt64.max && ranges[index].lowerBound == value + 1
        let joinsPrevious = index > 0 && ranges[index - 1].upperBound == value - 1
        switch (joinsPrevious, joinsNext) {
        case (true, true):
            ranges[index - 1] = ranges[index - 1].lowerBound...ranges[index].upperBound
            ranges.remove(at: index)
        case (true, false):
            ranges[index - 1] = ranges[index - 1].lowerBound...value
        case (false, true):
            ranges[index] = value...ranges[index].upperBound
        case (false, false):
            ranges.insert(value...value, at: index)
        }
        return true
    }

    /// Rebuilds the set from ranges as `ranges` held them (a snapshot's).
    /// - Returns: nil when they are not sorted, disjoint and non-adjacent.
    init?(ranges: [ClosedRange<UInt64>]) {
        var count = 0
        for (index, range) in ranges.enumerated() {
            if index > 0 {
                let previous = ranges[index - 1].upperBound
                guard previous < UInt64.max, range.lowerBound > previous + 1 else { return nil }
            }
            let (size, overflow) = (range.upperBound - range.lowerBound).addingReportingOverflow(1)
            guard !overflow, size <= UInt64(Int.max - count) else { return nil }
            count += Int(size)
        }
        self.ranges = ranges
        self.count = count
    }

    /// The first range whose upper bound is at least `value` (binary search).
    private func firstIndex(endingAtOrAfter value: UInt64) -> Int {
        var low = 0
        var high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].upperBound < value { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
