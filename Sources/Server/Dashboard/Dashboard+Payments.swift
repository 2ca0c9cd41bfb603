import Core
import DequeModule
import Hummingbird
import Services

/// The payments list: filters, totals of everything the filters match, and a page of rows
/// with cursors (`starting_after`, `ending_before`) as the API pages its lists.
struct PaymentsPage: Sendable {
    struct Option: Sendable {
        var value: String
        var label: String
        var selected: Bool
    }

    struct Row: Sendable {
        var id: String
        var amount: String
        var status: String
        var tone: String
        var card: String
        var description: String
        var created: String
    }

    struct Total: Sendable {
        var currency: String
        var amount: String
        var count: Int
    }

    var layout: DashboardLayout
    var q: String
    var amountMin: String
    var amountMax: String
    var from: String
    var to: String
    var last4: String
    var statuses: [Option]
    var currencies: [Option]
    var brands: [Option]
    var problems: [String]
    var rows: [Row]
    var totals: [Total]
    var totalCount: Int
    /// "payment matches" or "payments match".
    var matchWords: String
    var previous: String?
    var next: String?
    var csvHref: String
}

/// One payment the filters matched.
struct MatchedPayment: Sendable {
    var id: PaymentID
    var details: IntentDetails
    var record: PaymentRecord
}

/// The outcome of one filtered walk over a merchant's payments, newest first.
struct PaymentSelection: Sendable {
    var page: [MatchedPayment] = []
    var newerCount = 0
    var olderCount = 0
    var matchedCount = 0
    var totals: [Currency: (amountMinorUnits: Int64, count: Int)] = [:]
    var cursorFound = true
}

extension Dashboard {
    static let pageSize = 25
    /// A CSV download holds at most this many rows (the newest).
    static let csvRowsMax = 100_000

    enum Cursor {
        case none
        case startingAfter(String)
        case endingBefore(String)
    }

    /// Walks the merchant's payment summaries newest first once: every match counts in the
    /// totals, and the `limit` matches the cursor asks for are kept, then read in full.
    static func select(
        _ filter: PaymentFilter, cursor: Cursor, limit: Int, merchant: MerchantID, backend: ServerBackend
    ) -> PaymentSelection {
        var selection = PaymentSelection()
        var page: [PaymentSummary] = []
        // Matches newer than an `ending_before` cursor, the last `limit` of them kept.
        var newer = Deque<PaymentSummary>()
        var passedCursor = false
        var cursorID: PaymentID?
        switch cursor {
        case .none: passedCursor = true
        case .startingAfter(let text), .endingBefore(let text):
            selection.cursorFound = false
            cursorID = try? PaymentID(parsing: text)
            if cursorID == nil { passedCursor = true }
        }
        // Totals by `Currency.index`: an array, not a dictionary, on this path of every row.
        var totalAmounts = [Int64](repeating: 0, count: Currency.all.count)
        var totalCounts = [Int](repeating: 0, count: Currency.all.count)
        for chunk in backend.store.summaries(of: merchant).reversed() {
            for summary in chunk.reversed() {
                var isCursor = false
                if !passedCursor, summary.id == cursorID {
                    passedCursor = true
                    selection.cursorFound = true
                    isCursor = true
                }
                guard filter.matches(summary) else { continue }
                selection.matchedCount += 1
                totalAmounts[Int(summary.currencyIndex)] += summary.amountMinorUnits
                totalCounts[Int(summary.currencyIndex)] += 1
                switch cursor {
                case .endingBefore:
                    if passedCursor {
                        selection.olderCount += 1
                    } else {
                        newer.append(summary)
                        if newer.count > limit {
                            newer.removeFirst()
                            selection.newerCount += 1
                        }
                    }
                case .none, .startingAfter:
                    if !passedCursor || isCursor {
                        selection.newerCount += 1
                    } else if page.count < limit {
                        page.append(summary)
                    } else {
                        selection.olderCount += 1
                    }
                }
            }
        }
        for (index, count) in totalCounts.enumerated() where count > 0 {
            selection.totals[Currency.all[index]] = (totalAmounts[index], count)
        }
        if case .endingBefore = cursor { page = Array(newer) }
        selection.page = page.compactMap { summary in
            guard let details = backend.store.details(summary.id),
                let record = backend.system.paymentNow(summary.id)
            else { return nil }
            return MatchedPayment(id: summary.id, details: details, record: record)
        }
        return selection
    }

    static func cursor(_ query: FormParameters) -> Cursor {
        if let after = query.string("starting_after"), !after.isEmpty { return .startingAfter(after) }
        if let before = query.string("ending_before"), !before.isEmpty { return .endingBefore(before) }
        return .none
    }

    static func card(_ record: PaymentRecord) -> String {
        guard let card = record.card else { return "—" }
        return "\(card.brand) •••• \(card.last4)"
    }

    func payments(_ request: Request, _ session: DashboardSession, _ backend: ServerBackend) -> Response {
        let query = Self.query(request)
        let filter = PaymentFilter(query)
        var problems = filter.problems
        let selection: PaymentSelection
        if problems.isEmpty {
            selection = Self.select(
                filter, cursor: Self.cursor(query), limit: Self.pageSize, merchant: session.merchant,
                backend: backend)
            if !selection.cursorFound {
                problems.append("The page asked for starts at a payment not in your list.")
            }
        } else {
            selection = PaymentSelection()
        }
        let kept = filter.queryPairs(query)
        func link(_ extra: [(String, String)], path: String = "/dashboard/payments") -> String {
            let pairs = kept + extra
            if pairs.isEmpty { return path }
            return path + "?"
                + pairs.map { APIRequest.encode($0.0) + "=" + APIRequest.encode($0.1) }
                .joined(separator: "&")
        }
        let value: (String) -> String = { query.string($0) ?? "" }
        let page = PaymentsPage(
            layout: layout("Payments", .payments, session), q: value("q"), amountMin: value("amount_min"),
            amountMax: value("amount_max"), from: value("from"), to: value("to"), last4: value("last4"),
            statuses: DashboardStatus.allCases.map {
                .init(value: $0.rawValue, label: $0.label, selected: filter.status == $0)
            },
            currencies: Currency.all.map {
                .init(value: $0.code.lowercased(), label: $0.code, selected: filter.currency == $0)
            },
            brands: CardBrand.allCases.filter { $0 != .unknown }.map {
                .init(
                    value: $0.rawValue, label: $0.rawValue.capitalized, selected: filter.brand == $0.rawValue)
            },
            problems: problems,
            rows: selection.page.map { match in
                let status = DashboardStatus(match.record)
                return PaymentsPage.Row(
                    id: match.id.description, amount: match.record.payment.amount.description,
                    status: status.label,
                    tone: status.tone, card: Self.card(match.record),
                    description: match.details.description ?? "",
                    created: DashboardTime.dateTime(match.details.createdUnixSeconds))
            },
            totals: selection.totals.keys.sorted().map { currency in
                let total = selection.totals[currency]!
                return .init(
                    currency: currency.code,
                    amount: Money(minorUnits: total.amountMinorUnits, currency: currency).description,
                    count: total.count)
            }, totalCount: selection.matchedCount,
            matchWords: selection.matchedCount == 1 ? "payment matches" : "payments match",
            previous: selection.newerCount > 0 && !selection.page.isEmpty
                ? link([("ending_before", selection.page[0].id.description)]) : nil,
            next: selection.olderCount > 0 && !selection.page.isEmpty
                ? link([("starting_after", selection.page[selection.page.count - 1].id.description)]) : nil,
            csvHref: link([], path: "/dashboard/payments.csv"))
        return DashboardResponse.html(DashboardTemplates.render(page, "payments"))
    }

    /// Every payment the filters match (up to `csvRowsMax`, newest first), as the API names
    /// its fields: amounts in minor units, `created` in Unix seconds, the API's `status`.
    func paymentsCSV(_ request: Request, _ session: DashboardSession, _ backend: ServerBackend) -> Response {
        let filter = PaymentFilter(Self.query(request))
        guard filter.problems.isEmpty else {
            return problem(
                .badRequest, "Bad filter", filter.problems.joined(separator: " "), session: session)
        }
        let selection = Self.select(
            filter, cursor: .none, limit: Self.csvRowsMax, merchant: session.merchant, backend: backend)
        var csv = PaymentsCSV()
        for match in selection.page { csv.append(match) }
        return DashboardResponse.download(
            csv.text, contentType: "text/csv; charset=utf-8", filename: "payments.csv")
    }
}
