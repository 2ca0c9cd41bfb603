extension ScenarioParser {
    /// Reads a second of one kind at most: far beyond any read path the seed sizes.
    static let readsPerSecondMax = 1_000_000.0

    /// `reads:` each kind (`status_checks`, `list_queries`, `balance`, `payouts`) with either
    /// `share` (reads per payment) or `per_second` (at the load's average); `list_queries` also
    /// takes `pages`, `page_size` and `status` (one of Stripe's PaymentIntent statuses).
    static func parseReads(_ reader: YAMLReader) throws(ScenarioError) -> ReadTraffic {
        let mapping = try reader.mapping(allowed: Set(ReadTraffic.Kind.allCases.map(\.rawValue)))
        var reads = ReadTraffic()
        for kind in ReadTraffic.Kind.allCases {
            guard let entry = mapping.optional(kind.rawValue) else { continue }
            let fields = try entry.mapping(
                allowed: kind == .listQueries
                    ? ["share", "per_second", "pages", "page_size", "status"] : ["share", "per_second"])
            switch (fields.optional("share"), fields.optional("per_second")) {
            case (let share?, nil): reads.rates[kind] = .share(try share.double(in: 0...1_000))
            case (nil, let rate?): reads.rates[kind] = .perSecond(try rate.double(in: 0...readsPerSecondMax))
            default: throw entry.error("give exactly one of share (reads per payment) or per_second")
            }
            if kind == .listQueries {
                reads.listPagesMax = try fields.optional("pages")?.int(in: 1...10) ?? reads.listPagesMax
                reads.listPageSize = try fields.optional("page_size")?.int(in: 1...100) ?? reads.listPageSize
                if let status = fields.optional("status") {
                    let text = try status.string()
                    guard ReadTraffic.listStatuses.contains(text) else {
                        throw status.error(
                            "a PaymentIntent status: one of "
                                + ReadTraffic.listStatuses.joined(separator: ", "))
                    }
                    reads.listStatus = text
                }
            }
        }
        return reads
    }
}
