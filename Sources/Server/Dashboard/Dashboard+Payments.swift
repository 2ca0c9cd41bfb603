import Core
import Hummingbird
import Services

/// The payments list: filters, totals of everything the filters match, and a page of rows
/// with cursors (`starting_after`, `ending_before`) as the API pages its lists.
struct PaymentsPage: Sendable {
    struct Option: Hashable, Sendable {
        var value: String
        var label: String
        var selected: Bool
    }

    /// A filter's `<option>`s, rendered as one fragment.
    struct Options: Hashable, Sendable {
        var options: [Option]
    }

    /// A row of the list, rendered as one fragment.
    struct Row: Hashable, Sendable {
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
    /// The HTML of each filter's options and of the rows, from `Dashboard.fragments`.
    var statusOptions: String
    var currencyOptions: String
    var brandOptions: String
    var problems: [String]
    var rows: String
    var hasRows: Bool
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

/// A page of the payments a filter matches, newest first, and the totals of all of them.
struct PaymentSelection: Sendable {
    var page: [MatchedPayment] = []
    /// Whether matches lie before the page (newer) and after it (older).
    var hasNewer = false
    var hasOlder = false
    var totals = PaymentSums()
    /// False when the totals count only the newest `Dashboard.totalsWalkMax` matches.
    var totalsComplete = true
    var cursorFound = true
}

extension Dashboard {
    static let pageSize = 25
    /// Rows rendered for list pages: at ~450 bytes a row, about 7 MB.
    static let paymentRows = RenderedFragments<PaymentsPage.Row>(template: "paymentRow", countMax: 16_384)
    /// A filter's options differ only in which one is selected.
    static let filterOptions = RenderedFragments<PaymentsPage.Options>(
        template: "filterOptions", countMax: 256)
    /// A CSV download holds at most this many rows (the newest).
    static let csvRowsMax = 100_000
    /// The totals of a filter the indexes cannot total (amount range, dates, card, id) walk at
    /// most this many candidates: more than a big merchant's day, and a bound on a page's cost.
    static let totalsWalkMax = 250_000

    enum Cursor {
        case none
        case startingAfter(String)
        case endingBefore(String)
    }

    /// The page the cursor asks for, by a seek to the cursor's position and a walk from there
    /// over the candidates the status and currency bitmaps admit; the totals from the
    /// per-status-and-currency sums when the filter is only those, else by a bounded walk.
    static func select(
        _ filter: PaymentFilter, cursor: Cursor, limit: Int, merchant: MerchantID, backend: ServerBackend,
        withTotals: Bool = true
    ) -> PaymentSelection {
        var selection = PaymentSelection()
        let index = backend.store.paymentIndex(of: merchant)
        let query = filter.indexQuery
        var position: Int?
        switch cursor {
        case .none: break
        case .startingAfter(let text), .endingBefore(let text):
            position = (try? PaymentID(parsing: text)).flatMap {
                backend.store.position(of: $0, merchant: merchant)
            }
            selection.cursorFound = position != nil
        }
        var page: [PaymentSummary] = []
        if case .endingBefore = cursor, let position {
            index.walkOldestFirst(from: position + 1, query) { _, summary in
                guard filter.matches(summary) else { return true }
                page.append(summary)
                return page.count <= limit
            }
            selection.hasNewer = page.count > limit
            page = Array(page.prefix(limit).reversed())
            index.walkNewestFirst(before: position + 1, query) { _, summary in
                selection.hasOlder = filter.matches(summary)
                return !selection.hasOlder
            }
        } else {
            let end: Int
            if case .startingAfter = cursor, let position { end = position } else { end = index.count }
            index.walkNewestFirst(before: end, query) { _, summary in
                guard filter.matches(summary) else { return true }
                page.append(summary)
                return page.count <= limit
            }
            selection.hasOlder = page.count > limit
            page = Array(page.prefix(limit))
            index.walkOldestFirst(from: end, query) { _, summary in
                selection.hasNewer = filter.matches(summary)
                return !selection.hasNewer
            }
        }
        if withTotals {
            if filter.isIndexedOnly {
                selection.totals = index.totals.sums(query)
            } else {
                var walked = 0
                index.walkNewestFirst(before: index.count, query) { _, summary in
                    walked += 1
                    if filter.matches(summary) { selection.totals.add(summary) }
                    return walked < totalsWalkMax
                }
                selection.totalsComplete = walked < totalsWalkMax
            }
        }
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
            if !selection.totalsComplete {
                problems.append(
                    "The totals count the newest \(Self.totalsWalkMax) payments only: narrow the filter.")
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
            statusOptions: Self.filterOptions.html(
                .init(
                    options: DashboardStatus.allCases.map {
                        .init(value: $0.rawValue, label: $0.label, selected: filter.status == $0)
                    })),
            currencyOptions: Self.filterOptions.html(
                .init(
                    options: Currency.all.map {
                        .init(value: $0.code.lowercased(), label: $0.code, selected: filter.currency == $0)
                    })),
            brandOptions: Self.filterOptions.html(
                .init(
                    options: CardBrand.allCases.filter { $0 != .unknown }.map {
                        .init(
                            value: $0.rawValue, label: $0.rawValue.capitalized,
                            selected: filter.brand == $0.rawValue)
                    })),
            problems: problems,
            rows: selection.page.map { match in
                let status = DashboardStatus(match.record)
                return Self.paymentRows.html(
                    PaymentsPage.Row(
                        id: match.id.description, amount: match.record.payment.amount.description,
                        status: status.label,
                        tone: status.tone, card: Self.card(match.record),
                        description: match.details.description ?? "",
                        created: DashboardTime.dateTime(match.details.createdUnixSeconds)))
            }.joined(),
            hasRows: !selection.page.isEmpty,
            totals: Currency.all.compactMap { currency in
                let count = selection.totals.counts[currency.index]
                guard count > 0 else { return nil }
                let amount =
                    selection.totals.overflowed[currency.index]
                    ? "overflow"
                    : Money(
                        minorUnits: selection.totals.amountsMinorUnits[currency.index], currency: currency
                    )
                    .description
                return .init(currency: currency.code, amount: amount, count: count)
            }.sorted { $0.currency < $1.currency }, totalCount: selection.totals.count,
            matchWords: selection.totals.count == 1 ? "payment matches" : "payments match",
            previous: selection.hasNewer && !selection.page.isEmpty
                ? link([("ending_before", selection.page[0].id.description)]) : nil,
            next: selection.hasOlder && !selection.page.isEmpty
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
            filter, cursor: .none, limit: Self.csvRowsMax, merchant: session.merchant, backend: backend,
            withTotals: false)
        var csv = PaymentsCSV()
        for match in selection.page { csv.append(match) }
        return DashboardResponse.download(
            csv.text, contentType: "text/csv; charset=utf-8", filename: "payments.csv")
    }
}
