import Core
import Services

/// `/v1/payment_intents/search`: Stripe's Search API over the store's indexes. Results come
/// newest first; a page walks at most `searchCandidatesMax` candidates, so a query the indexes
/// cannot narrow (metadata, amounts) costs a bounded amount per request and goes on from
/// `next_page` (a page may then hold fewer than `limit` results with `has_more`, as Stripe's
/// may).
extension StripeAPI {
    static let searchCandidatesMax = 50_000
    static let searchParameters: Set<String> = ["query", "limit", "page", "expand"]

    func searchPaymentIntents(_ request: APIRequest) throws(StripeError) -> APIAnswer {
        let backend = backend()
        let merchant = try admit(request, backend)
        let form = request.form
        try form.onlyAllow(Self.searchParameters)
        guard let text = form.string("query") else { throw StripeError.missing("query") }
        let query: SearchQuery
        do {
            query = try SearchQuery(parsing: text)
        } catch {
            throw StripeError.invalid("query", error.message)
        }
        var limit = 10
        if let value = try form.integer("limit") {
            guard (1...100).contains(value) else {
                throw StripeError.invalid(
                    "limit", "This value must be between 1 and 100 (it currently is \(value)).")
            }
            limit = Int(value)
        }
        let store = backend.store
        let system = backend.system
        let index = store.paymentIndex(of: merchant)
        var end = index.count
        if let page = form.string("page") {
            guard let id = Self.searchPagePayment(page),
                let position = store.position(of: id, merchant: merchant)
            else {
                throw StripeError.invalid(
                    "page", "Invalid page: it is not a next_page of this account's search.")
            }
            end = position
        }
        let matcher = PaymentSearchMatcher(
            query, details: { store.details($0) }, record: { system.paymentNow($0) })
        var found: [PaymentSummary] = []
        var walked = 0
        var lastWalked: PaymentID?
        index.walkNewestFirst(before: end, matcher.indexQuery) { _, summary in
            walked += 1
            if matcher.matches(summary) {
                found.append(summary)
                if found.count > limit { return false }
            }
            lastWalked = summary.id
            return walked < Self.searchCandidatesMax
        }
        let hasMore = found.count > limit || walked >= Self.searchCandidatesMax
        let results = found.prefix(limit)
        // The next page starts after the last result, or after the last payment walked when the
        // walk's bound cut the page short.
        let resume = found.count > limit ? results.last?.id : lastWalked
        var nextPage = JSON.null
        if hasMore, let resume { nextPage = .string(Self.searchPage(resume)) }
        var items: [JSON] = []
        for summary in results {
            if let record = system.paymentNow(summary.id) {
                items.append(
                    store.paymentIntent(record, baseURL: backend.baseURL))
            }
        }
        return APIAnswer(
            json: .object([
                ("object", "search_result"), ("data", .array(items)), ("has_more", .bool(hasMore)),
                ("next_page", nextPage),
                ("url", "/v1/payment_intents/search"),
            ]))
    }

    /// A `next_page` token: opaque to clients, the payment a page goes on after.
    static func searchPage(_ id: PaymentID) -> String { "page_" + id.description }

    static func searchPagePayment(_ token: String) -> PaymentID? {
        guard token.hasPrefix("page_") else { return nil }
        return try? PaymentID(parsing: String(token.dropFirst(5)))
    }
}
