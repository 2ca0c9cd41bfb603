import Core

/// The payments recovery's fold saw retired (`PaymentJournalRecord.paymentRetired`), as sorted, disjoint,
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
