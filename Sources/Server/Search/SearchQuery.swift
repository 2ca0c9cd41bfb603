/// A query in the subset of Stripe's search query language that PaymentIntents are searched
/// with here: clauses `field:value` (exact), `field>value`, `<`, `>=`, `<=`, `=` (numbers), a
/// leading `-` to negate one, joined by spaces or `AND`, or by `OR` (not both in one query, as
/// Stripe rules). Fields: `amount`, `created` (Unix seconds), `currency`, `status`, `customer`,
/// `metadata['key']`. Strings in single or double quotes.
struct SearchQuery: Sendable, Equatable {
    enum Field: Sendable, Equatable {
        case amount
        case created
        case currency
        case status
        case customer
        case metadata(String)

        var isNumeric: Bool { self == .amount || self == .created }
    }

    enum Comparison: String, Sendable {
        case exact = ":"
        case equal = "="
        case greater = ">"
        case greaterOrEqual = ">="
        case less = "<"
        case lessOrEqual = "<="
    }

    enum Value: Sendable, Equatable {
        case text(String)
        case number(Int64)
    }

    struct Clause: Sendable, Equatable {
        var field: Field
        var comparison: Comparison
        var value: Value
        var negated: Bool
    }

    /// Why a query was refused, in words for the error's message.
    struct ParseError: Error, Equatable {
        var message: String
    }

    /// Stripe allows at most ten clauses a query.
    static let clausesMax = 10
    static let lengthMax = 1_000

    var clauses: [Clause]
    /// True for clauses joined by `OR`; false for `AND` (or spaces).
    var isDisjunction: Bool

    init(clauses: [Clause], isDisjunction: Bool) {
        self.clauses = clauses
        self.isDisjunction = isDisjunction
    }

    init(parsing text: String) throws(ParseError) {
        guard text.utf8.count <= Self.lengthMax else {
            throw ParseError(message: "The search query is longer than \(Self.lengthMax) characters.")
        }
        var scanner = SearchQueryScanner(text)
        var clauses: [Clause] = []
        var joiner: String?
        scanner.skipSpaces()
        guard !scanner.isAtEnd else { throw ParseError(message: "The search query is empty.") }
        while true {
            clauses.append(try scanner.clause())
            scanner.skipSpaces()
            if scanner.isAtEnd { break }
            if let word = scanner.keyword() {
                if let joiner, joiner != word {
                    throw ParseError(
                        message: "AND and OR cannot be combined in one search query.")
                }
                joiner = word
                scanner.skipSpaces()
            } else if joiner == "OR" {
                throw ParseError(message: "AND and OR cannot be combined in one search query.")
            } else {
                joiner = joiner ?? "AND"
            }
            guard clauses.count < Self.clausesMax else {
                throw ParseError(message: "A search query has at most \(Self.clausesMax) clauses.")
            }
        }
        self.clauses = clauses
        isDisjunction = joiner == "OR"
    }
}
