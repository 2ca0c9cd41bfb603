extension MerchantPaymentIndex {
    /// A page of a Stripe list: at most `limit` payments newest first, older than the position
    /// `startingAfter` or newer than `endingBefore` (neither: the newest), among those `query`
    /// admits and `matches` accepts; and whether more lie beyond the page in the direction of
    /// travel. A seek to the cursor and a walk of at most `limit + 1` matches.
    func page(
        limit: Int, startingAfter: Int?, endingBefore: Int?, _ query: PaymentIndexQuery,
        matches: (PaymentSummary) -> Bool = { _ in true }
    ) -> (summaries: [PaymentSummary], hasMore: Bool) {
        var found: [PaymentSummary] = []
        found.reserveCapacity(limit + 1)
        if let endingBefore {
            walkOldestFirst(from: endingBefore + 1, query) { _, summary in
                if matches(summary) { found.append(summary) }
                return found.count <= limit
            }
            return (found.prefix(limit).reversed(), found.count > limit)
        }
        walkNewestFirst(before: startingAfter ?? count, query) { _, summary in
            if matches(summary) { found.append(summary) }
            return found.count <= limit
        }
        return (Array(found.prefix(limit)), found.count > limit)
    }
}
