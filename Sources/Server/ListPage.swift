/// A page of a Stripe list endpoint: newest first, `limit` (1...100, default 10),
/// `starting_after` (older than that id) or `ending_before` (newer than it), and `created`
/// bounds (`created[gte]=...`, or `created=...` for one second).
struct ListPage: Sendable {
    var limit = 10
    var startingAfter: String?
    var endingBefore: String?
    var createdRange: ClosedRange<Int64> = Int64.min...Int64.max

    static let parameters: Set<String> = ["limit", "starting_after", "ending_before", "created", "expand"]

    init(_ form: FormParameters) throws(StripeError) {
        if let limit = try form.integer("limit") {
            guard (1...100).contains(limit) else {
                throw StripeError.invalid(
                    "limit", "This value must be between 1 and 100 (it currently is \(limit)).")
            }
            self.limit = Int(limit)
        }
        startingAfter = form.string("starting_after")
        endingBefore = form.string("ending_before")
        var lower = Int64.min
        var upper = Int64.max
        if let exact = try form.integer("created") {
            lower = exact
            upper = exact
        }
        if let value = try form.integer("created[gte]") { lower = max(lower, value) }
        if let value = try form.integer("created[gt]") {
            lower = max(lower, value == .max ? value : value + 1)
        }
        if let value = try form.integer("created[lte]") { upper = min(upper, value) }
        if let value = try form.integer("created[lt]") {
            upper = min(upper, value == .min ? value : value - 1)
        }
        emptyRange = lower > upper
        createdRange = emptyRange ? lower...lower : lower...upper
    }

    /// True when the created bounds exclude everything.
    private(set) var emptyRange = false

    /// The page of `oldestFirst` (filtered to `createdRange`) that the cursor asks for, newest
    /// first, and whether more lie beyond it in the direction of travel.
    func page<Item>(
        _ oldestFirst: [Item], id: (Item) -> String, created: (Item) -> Int64
    ) throws(StripeError) -> (items: [Item], hasMore: Bool) {
        try page(oldestFirst, key: id, cursor: { $0 }, created: created)
    }

    /// The same, comparing cursors as keys (a payment's number, not its printed id): a list of a
    /// day's payments is paged without printing or looking up every one of them.
    func page<Item, Key: Equatable>(
        _ oldestFirst: [Item], key: (Item) -> Key, cursor: (String) -> Key?, created: (Item) -> Int64
    ) throws(StripeError) -> (items: [Item], hasMore: Bool) {
        if emptyRange { return ([], false) }
        var newestFirst = Array(oldestFirst.reversed())
        if createdRange != Int64.min...Int64.max {
            newestFirst.removeAll { !createdRange.contains(created($0)) }
        }
        func position(_ text: String, _ param: String) throws(StripeError) -> Int {
            guard let wanted = cursor(text), let index = newestFirst.firstIndex(where: { key($0) == wanted })
            else {
                throw StripeError.noSuch("object", text, param: param)
            }
            return index
        }
        if let endingBefore {
            let index = try position(endingBefore, "ending_before")
            let start = max(0, index - limit)
            return (Array(newestFirst[start..<index]), start > 0)
        }
        var start = 0
        if let startingAfter { start = try position(startingAfter, "starting_after") + 1 }
        let end = min(newestFirst.count, start + limit)
        return (Array(newestFirst[start..<end]), end < newestFirst.count)
    }
}
