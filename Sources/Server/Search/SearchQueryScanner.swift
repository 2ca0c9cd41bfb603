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
