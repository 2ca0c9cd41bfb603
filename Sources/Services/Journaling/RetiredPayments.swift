import Core

/// The payments recovery's fold saw retired (`PaymentJournalRecord.paymentRetired`), as the
/// standard library's `RangeSet` of their ids.
///
/// Why ranges: ids are handed out in order and payments retire soon after they start, so the
/// retired ids form long runs broken only by the payments still held. The cost is one range
/// (16 bytes) per gap, that is per payment in flight or never retired (which the fold keeps in
/// full anyway), not per payment retired: a day of millions of payments stays a few thousand
/// ranges.
package struct RetiredPayments: Sendable, Hashable, Codable {
    private(set) var ids = RangeSet<UInt64>()
    /// Distinct ids inserted.
    package private(set) var count = 0

    package init() {}

    package func contains(_ id: PaymentID) -> Bool { ids.contains(id.rawValue) }

    /// Adds `id`; returns false if it was already there, or is `UInt64.max` (never handed out,
    /// and no half-open range ends after it).
    @discardableResult
    package mutating func insert(_ id: PaymentID) -> Bool {
        guard id.rawValue < .max, !contains(id) else { return false }
        ids.insert(contentsOf: id.rawValue..<id.rawValue + 1)
        count += 1
        return true
    }

    /// As a snapshot holds it (`RangeSet` is not `Codable`): the count, then each range's bounds.
    package init(from decoder: any Decoder) throws {
        let values = try [UInt64](from: decoder)
        count = Int(values.first ?? 0)
        for index in stride(from: 1, to: values.count - 1, by: 2) {
            guard values[index] < values[index + 1] else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "empty range"))
            }
            ids.insert(contentsOf: values[index]..<values[index + 1])
        }
    }

    package func encode(to encoder: any Encoder) throws {
        try ([UInt64(count)] + ids.ranges.flatMap { [$0.lowerBound, $0.upperBound] }).encode(to: encoder)
    }
}
