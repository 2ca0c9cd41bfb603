import Core

/// One merchant's payments in the order the API stored them (creation order, nearly: see
/// `PaymentIndexChunk.createdMaxThroughUnixSeconds`), numbered by position, with what its lists
/// seek and filter by:
/// - a position per payment (the store maps ids to positions), so that a cursor
///   (`starting_after`, `ending_before`) is a seek, not a scan;
/// - per chunk of 4,096 payments, a bitmap per status and per currency, so that a filtered walk
///   skips 64 payments that cannot match with one word, and the bounds of `created`, so that a
///   date range skips whole chunks;
/// - counts and amounts per status and currency (`PaymentTotals`), so that the totals of a
///   list filtered by status and currency need no walk;
/// - the overview's figures per day and minute of creation (`OverviewFigures`), moved by each
///   payment's change.
struct MerchantPaymentIndex: Sendable {
    static let chunkCapacity = 4_096

    private(set) var chunks: [PaymentIndexChunk] = []
    private(set) var totals = PaymentTotals()
    private(set) var count = 0
    private(set) var overview = OverviewFigures()

    /// Stores a payment after the others; returns its position.
    mutating func append(_ summary: PaymentSummary) -> Int {
        if chunks.last.map({ $0.count >= Self.chunkCapacity }) ?? true {
            chunks.append(
                PaymentIndexChunk(
                    createdMaxBeforeUnixSeconds: chunks.last?.createdMaxThroughUnixSeconds ?? .min))
        }
        chunks[chunks.count - 1].append(summary)
        totals.add(summary, status: summary.status, sign: 1)
        overview.apply(
            summary.contribution, sign: 1, currencyIndex: Int(summary.currencyIndex),
            createdUnixSeconds: summary.createdUnixSeconds)
        count += 1
        return count - 1
    }

    func summary(at position: Int) -> PaymentSummary {
        chunks[position / Self.chunkCapacity].summaries[position % Self.chunkCapacity]
    }

    mutating func setStatus(_ status: DashboardStatus, at position: Int) {
        let summary = self.summary(at: position)
        guard summary.status != status else { return }
        _ = chunks[position / Self.chunkCapacity].setStatus(status, at: position % Self.chunkCapacity)
        totals.add(summary, status: summary.status, sign: -1)
        totals.add(summary, status: status, sign: 1)
    }

    /// The payment's overview contribution after a change: the figures move by the difference.
    mutating func setContribution(_ contribution: PaymentContribution, at position: Int) {
        let summary = self.summary(at: position)
        guard summary.contribution != contribution else { return }
        chunks[position / Self.chunkCapacity].setContribution(
            contribution, at: position % Self.chunkCapacity)
        let currency = Int(summary.currencyIndex)
        overview.apply(
            summary.contribution, sign: -1, currencyIndex: currency,
            createdUnixSeconds: summary.createdUnixSeconds)
        overview.apply(
            contribution, sign: 1, currencyIndex: currency, createdUnixSeconds: summary.createdUnixSeconds)
    }

    mutating func setCard(brand: CardBrand?, last4: Int16, at position: Int) {
        chunks[position / Self.chunkCapacity].setCard(
            brand: brand, last4: last4, at: position % Self.chunkCapacity)
    }

    /// Visits the payments at positions below `end` that `query` admits, newest first, until
    /// `visit` returns false. The chunk and word skipping is the whole point: a word of 64
    /// payments none of which is a candidate costs one AND.
    func walkNewestFirst(
        before end: Int, _ query: PaymentIndexQuery,
        _ visit: (_ position: Int, _ summary: PaymentSummary) -> Bool
    ) {
        guard !query.isEmpty, end > 0 else { return }
        let range = query.createdRange
        let boundedBelow = range.lowerBound != .min
        var chunkIndex = (min(end, count) - 1) / Self.chunkCapacity
        while chunkIndex >= 0 {
            let chunk = chunks[chunkIndex]
            if boundedBelow && chunk.createdMaxThroughUnixSeconds < range.lowerBound { return }
            defer { chunkIndex -= 1 }
            if chunk.excludes(range) { continue }
            let base = chunkIndex * Self.chunkCapacity
            let limit = min(chunk.count, end - base)
            var word = (limit - 1) / 64
            while word >= 0 {
                var bits = chunk.candidates(
                    word: word, statusMask: query.statusMask, currencyMask: query.currencyMask)
                let above = limit - word * 64
                if above < 64 { bits &= (UInt64(1) << UInt64(above)) - 1 }
                while bits != 0 {
                    let bit = 63 - bits.leadingZeroBitCount
                    bits &= ~(UInt64(1) << UInt64(bit))
                    let offset = word * 64 + bit
                    let summary = chunk.summaries[offset]
                    guard range.contains(summary.createdUnixSeconds) else { continue }
                    if !visit(base + offset, summary) { return }
                }
                word -= 1
            }
        }
    }

    /// Visits the payments at positions from `start` on that `query` admits, oldest first,
    /// until `visit` returns false.
    func walkOldestFirst(
        from start: Int, _ query: PaymentIndexQuery,
        _ visit: (_ position: Int, _ summary: PaymentSummary) -> Bool
    ) {
        guard !query.isEmpty, start < count else { return }
        let range = query.createdRange
        for chunkIndex in max(0, start / Self.chunkCapacity)..<chunks.count {
            let chunk = chunks[chunkIndex]
            if chunk.excludes(range) { continue }
            let base = chunkIndex * Self.chunkCapacity
            let first = max(0, start - base)
            for word in (first / 64)...((chunk.count - 1) / 64) {
                var bits = chunk.candidates(
                    word: word, statusMask: query.statusMask, currencyMask: query.currencyMask)
                let below = first - word * 64
                if below > 0 { bits &= ~((UInt64(1) << UInt64(below)) - 1) }
                while bits != 0 {
                    let bit = bits.trailingZeroBitCount
                    bits &= bits - 1
                    let offset = word * 64 + bit
                    let summary = chunk.summaries[offset]
                    guard range.contains(summary.createdUnixSeconds) else { continue }
                    if !visit(base + offset, summary) { return }
                }
            }
        }
    }
}
