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

/// Reads a query's characters left to right for `SearchQuery`.
struct SearchQueryScanner {
    private let characters: [Character]
    private var index = 0

    init(_ text: String) { characters = Array(text) }

    var isAtEnd: Bool { index >= characters.count }

    private var current: Character? { index < characters.count ? characters[index] : nil }

    mutating func skipSpaces() {
        while let character = current, character == " " || character == "\t" { index += 1 }
    }

    /// `AND` or `OR` (any case) followed by a space, consumed; nil otherwise.
    mutating func keyword() -> String? {
        for word in ["AND", "OR"] {
            let end = index + word.count
            guard end < characters.count, characters[end] == " " else { continue }
            if String(characters[index..<end]).uppercased() == word {
                index = end
                return word
            }
        }
        return nil
    }

    static let unparsable =
        "We were unable to parse your search query. Try using the format `metadata['key']:'value'` to "
        + "query for metadata or `key:'value'` to query for other fields."

    mutating func clause() throws(SearchQuery.ParseError) -> SearchQuery.Clause {
        var negated = false
        if current == "-" {
            negated = true
            index += 1
        }
        var name = ""
        while let character = current, character.isLetter || character == "_" {
            name.append(character)
            index += 1
        }
        let field: SearchQuery.Field
        switch name {
        case "amount": field = .amount
        case "created": field = .created
        case "currency": field = .currency
        case "status": field = .status
        case "customer": field = .customer
        case "metadata":
            guard current == "[" else { throw SearchQuery.ParseError(message: Self.unparsable) }
            index += 1
            guard case .text(let key) = try quoted(), current == "]" else {
                throw SearchQuery.ParseError(message: Self.unparsable)
            }
            index += 1
            field = .metadata(key)
        case "": throw SearchQuery.ParseError(message: Self.unparsable)
        default:
            throw SearchQuery.ParseError(
                message:
                    "Field `\(name.prefix(64))` is an unsupported search field for resource `payment_intents`. "
                    + "See https://stripe.com/docs/search#query-fields-for-payment-intents for a list of "
                    + "supported fields.")
        }
        var comparison: SearchQuery.Comparison
        switch current ?? " " {
        case ":": comparison = .exact
        case "=": comparison = .equal
        case ">": comparison = .greater
        case "<": comparison = .less
        default: throw SearchQuery.ParseError(message: Self.unparsable)
        }
        index += 1
        if current == "=", comparison == .greater || comparison == .less {
            comparison = comparison == .greater ? .greaterOrEqual : .lessOrEqual
            index += 1
        }
        let value: SearchQuery.Value
        if current == "'" || current == "\"" {
            value = try quoted()
        } else {
            var digits = ""
            while let character = current, character != " " {
                digits.append(character)
                index += 1
            }
            guard let number = Int64(digits) else {
                throw SearchQuery.ParseError(message: Self.unparsable)
            }
            value = .number(number)
        }
        if field.isNumeric {
            guard case .number = value else {
                throw SearchQuery.ParseError(
                    message: "The field `\(name)` takes a number, without quotes (e.g. `\(name)>1000`).")
            }
        } else {
            guard comparison == .exact, case .text = value else {
                throw SearchQuery.ParseError(
                    message:
                        "The field `\(name)` is matched with `:` and a quoted value (e.g. `\(name):'value'`)."
                )
            }
        }
        return SearchQuery.Clause(field: field, comparison: comparison, value: value, negated: negated)
    }

    /// A string in single or double quotes; a backslash escapes the next character.
    private mutating func quoted() throws(SearchQuery.ParseError) -> SearchQuery.Value {
        guard let quote = current, quote == "'" || quote == "\"" else {
            throw SearchQuery.ParseError(message: Self.unparsable)
        }
        index += 1
        var text = ""
        while let character = current, character != quote {
            if character == "\\", index + 1 < characters.count {
                index += 1
                text.append(characters[index])
            } else {
                text.append(character)
            }
            index += 1
        }
        guard current == quote else { throw SearchQuery.ParseError(message: Self.unparsable) }
        index += 1
        return .text(text)
    }
}
