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
    private var emptyRange = false

    /// The page of `oldestFirst` (filtered to `createdRange`) that the cursor asks for, newest
    /// first, and whether more lie beyond it in the direction of travel.
    func page<Item>(
        _ oldestFirst: [Item], id: (Item) -> String, created: (Item) -> Int64
    ) throws(StripeError) -> (items: [Item], hasMore: Bool) {
        if emptyRange { return ([], false) }
        let newestFirst = oldestFirst.reversed().filter { createdRange.contains(created($0)) }
        if let endingBefore {
            guard let index = newestFirst.firstIndex(where: { id($0) == endingBefore }) else {
                throw StripeError.noSuch("object", endingBefore, param: "ending_before")
            }
            let start = max(0, index - limit)
            return (Array(newestFirst[start..<index]), start > 0)
        }
        var start = 0
        if let startingAfter {
            guard let index = newestFirst.firstIndex(where: { id($0) == startingAfter }) else {
                throw StripeError.noSuch("object", startingAfter, param: "starting_after")
            }
            start = index + 1
        }
        let end = min(newestFirst.count, start + limit)
        return (Array(newestFirst[start..<end]), end < newestFirst.count)
    }
}
