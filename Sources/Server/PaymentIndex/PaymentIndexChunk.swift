import Core

/// Up to `MerchantPaymentIndex.chunkCapacity` of a merchant's payments, in the order they were
/// stored, with a bitmap per status and per currency over them.
///
/// A value: a reader's copy of the merchant's chunks shares them (one reference each), and a
/// write after it copies at most the one chunk it changes.
struct PaymentIndexChunk: Sendable {
    static let statusCount = DashboardStatus.allCases.count
    static let currencyCount = Currency.all.count

    private(set) var summaries: [PaymentSummary] = []
    /// Word `w * statusCount + s`: bit `b` is set when the payment at `w * 64 + b` is in the
    /// status of ordinal `s`. The words grow with the chunk, so that a merchant with three
    /// payments holds a few words, not a whole chunk's.
    private(set) var statusWords: [UInt64] = []
    /// The same per `Currency.index`; a payment's currency never changes.
    private(set) var currencyWords: [UInt64] = []
    private(set) var createdMinUnixSeconds = Int64.max
    private(set) var createdMaxUnixSeconds = Int64.min
    /// The latest `created` of this chunk and every older one. It never decreases from one
    /// chunk to the next, so a walk newest first stops at the first chunk whose value is below
    /// the lower bound it looks for, although `created` itself is only nearly ordered (a
    /// request started earlier may be stored after a later one).
    private(set) var createdMaxThroughUnixSeconds = Int64.min

    init(createdMaxBeforeUnixSeconds: Int64) {
        createdMaxThroughUnixSeconds = createdMaxBeforeUnixSeconds
        summaries.reserveCapacity(64)
    }

    var count: Int { summaries.count }

    mutating func append(_ summary: PaymentSummary) {
        let offset = summaries.count
        if offset % 64 == 0 {
            statusWords.append(contentsOf: repeatElement(0, count: Self.statusCount))
            currencyWords.append(contentsOf: repeatElement(0, count: Self.currencyCount))
        }
        summaries.append(summary)
        let word = offset / 64
        let bit = UInt64(1) << UInt64(offset % 64)
        statusWords[word * Self.statusCount + summary.status.ordinal] |= bit
        currencyWords[word * Self.currencyCount + Int(summary.currencyIndex)] |= bit
        let created = summary.createdUnixSeconds
        createdMinUnixSeconds = min(createdMinUnixSeconds, created)
        createdMaxUnixSeconds = max(createdMaxUnixSeconds, created)
        createdMaxThroughUnixSeconds = max(createdMaxThroughUnixSeconds, created)
    }

    /// Moves the payment at `offset` to `status`; returns the status it had.
    mutating func setStatus(_ status: DashboardStatus, at offset: Int) -> DashboardStatus {
        let old = summaries[offset].status
        guard old != status else { return old }
        let word = offset / 64
        let bit = UInt64(1) << UInt64(offset % 64)
        statusWords[word * Self.statusCount + old.ordinal] &= ~bit
        statusWords[word * Self.statusCount + status.ordinal] |= bit
        summaries[offset].status = status
        return old
    }

    mutating func setContribution(_ contribution: PaymentContribution, at offset: Int) {
        summaries[offset].contribution = contribution
    }

    mutating func setCard(brand: CardBrand?, last4: Int16, at offset: Int) {
        summaries[offset].brand = brand
        summaries[offset].last4 = last4
    }

    /// The payments of word `word` (offsets `word * 64 ..< word * 64 + 64`) that are in one of
    /// the statuses of `statusMask` (bit per ordinal) and one of the currencies of
    /// `currencyMask` (bit per `Currency.index`).
    func candidates(word: Int, statusMask: UInt32, currencyMask: UInt32) -> UInt64 {
        let valid = min(64, summaries.count - word * 64)
        var bits: UInt64 = valid == 64 ? .max : (UInt64(1) << UInt64(valid)) - 1
        if statusMask != PaymentIndexQuery.everyStatus {
            var any: UInt64 = 0
            var mask = statusMask
            while mask != 0 {
                let status = mask.trailingZeroBitCount
                mask &= mask - 1
                any |= statusWords[word * Self.statusCount + status]
            }
            bits &= any
        }
        if currencyMask != PaymentIndexQuery.everyCurrency {
            var any: UInt64 = 0
            var mask = currencyMask
            while mask != 0 {
                let currency = mask.trailingZeroBitCount
                mask &= mask - 1
                any |= currencyWords[word * Self.currencyCount + currency]
            }
            bits &= any
        }
        return bits
    }

    /// Whether no payment of this chunk can lie in `range` by its `created`.
    func excludes(_ range: ClosedRange<Int64>) -> Bool {
        summaries.isEmpty || createdMaxUnixSeconds < range.lowerBound
            || createdMinUnixSeconds > range.upperBound
    }
}
