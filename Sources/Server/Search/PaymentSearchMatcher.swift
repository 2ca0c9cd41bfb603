import Core
import Services

/// A `SearchQuery` applied to a merchant's payments: what of it the store's indexes narrow a
/// walk to (`indexQuery`), and the check of every clause on each candidate.
struct PaymentSearchMatcher {
    let query: SearchQuery
    let indexQuery: PaymentIndexQuery
    private let details: (PaymentID) -> IntentDetails?
    private let record: (PaymentID) -> PaymentRecord?

    init(
        _ query: SearchQuery, details: @escaping (PaymentID) -> IntentDetails?,
        record: @escaping (PaymentID) -> PaymentRecord?
    ) {
        self.query = query
        self.details = details
        self.record = record
        indexQuery = Self.indexQuery(query)
    }

    /// Clauses joined by AND narrow the walk each: a status to its dashboard statuses' bitmaps
    /// (a negated one only where those statuses show that API status alone), a currency to its
    /// bitmap, `created` to a range. Clauses joined by OR narrow it only when all are statuses.
    static func indexQuery(_ query: SearchQuery) -> PaymentIndexQuery {
        var index = PaymentIndexQuery()
        if query.isDisjunction {
            var statuses: UInt32 = 0
            for clause in query.clauses {
                guard clause.field == .status, !clause.negated, case .text(let text) = clause.value else {
                    return index
                }
                statuses |= PaymentIndexQuery.mask(DashboardStatus.matching(apiStatus: text) ?? [])
            }
            index.statusMask = statuses
            return index
        }
        var lower = Int64.min
        var upper = Int64.max
        for clause in query.clauses {
            switch (clause.field, clause.value) {
            case (.status, .text(let text)):
                let statuses = DashboardStatus.matching(apiStatus: text) ?? []
                let mask = PaymentIndexQuery.mask(statuses)
                if !clause.negated {
                    index.statusMask &= mask
                } else if !statuses.contains(.incomplete) {
                    index.statusMask &= ~mask
                }
            case (.currency, .text(let text)):
                guard let currency = try? Currency(code: text.uppercased()) else {
                    if !clause.negated { index.currencyMask = 0 }
                    continue
                }
                let mask = PaymentIndexQuery.mask(currency)
                index.currencyMask &= clause.negated ? ~mask : mask
            case (.created, .number(let value)) where !clause.negated:
                switch clause.comparison {
                case .exact, .equal:
                    lower = max(lower, value)
                    upper = min(upper, value)
                case .greater: lower = max(lower, value == .max ? value : value + 1)
                case .greaterOrEqual: lower = max(lower, value)
                case .less: upper = min(upper, value == .min ? value : value - 1)
                case .lessOrEqual: upper = min(upper, value)
                }
            default: continue
            }
        }
        if lower > upper { index.statusMask = 0 } else { index.createdRange = lower...upper }
        return index
    }

    func matches(_ summary: PaymentSummary) -> Bool {
        if query.isDisjunction { return query.clauses.contains { matches($0, summary) } }
        return query.clauses.allSatisfy { matches($0, summary) }
    }

    private func matches(_ clause: SearchQuery.Clause, _ summary: PaymentSummary) -> Bool {
        holds(clause, summary) != clause.negated
    }

    private func holds(_ clause: SearchQuery.Clause, _ summary: PaymentSummary) -> Bool {
        switch (clause.field, clause.value) {
        case (.amount, .number(let value)):
            return Self.compare(summary.amountMinorUnits, clause.comparison, value)
        case (.created, .number(let value)):
            return Self.compare(summary.createdUnixSeconds, clause.comparison, value)
        case (.currency, .text(let text)):
            return summary.currency.code == text.uppercased()
        case (.status, .text(let text)):
            return apiStatus(summary) == text
        case (.metadata(let key), .text(let text)):
            return details(summary.id)?.metadata[key] == text
        default:
            // `customer`: no PaymentIntent here has one.
            return false
        }
    }

    /// The status the API shows: the summary's tells it but for an incomplete payment, whose
    /// record and payment method decide.
    private func apiStatus(_ summary: PaymentSummary) -> String? {
        switch summary.status {
        case .succeeded, .partiallyRefunded, .refunded, .disputed: return "succeeded"
        case .uncaptured: return "requires_capture"
        case .failed, .returned: return "requires_payment_method"
        case .canceled: return "canceled"
        case .processing: return "processing"
        case .incomplete:
            guard let record = record(summary.id) else { return nil }
            return StripeRenderer.status(record.payment.state, details(summary.id))
        }
    }

    static func compare(_ actual: Int64, _ comparison: SearchQuery.Comparison, _ value: Int64) -> Bool {
        switch comparison {
        case .exact, .equal: actual == value
        case .greater: actual > value
        case .greaterOrEqual: actual >= value
        case .less: actual < value
        case .lessOrEqual: actual <= value
        }
    }
}
