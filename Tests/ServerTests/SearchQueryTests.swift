import Testing

@testable import Server

/// The search query language's subset: what parses to which clauses, what is refused with
/// which words, and what of a query the indexes narrow a walk to.
@Suite struct SearchQueryTests {
    typealias Clause = SearchQuery.Clause

    @Test func clausesJoinedBySpacesAndOrAnd() throws {
        let query = try SearchQuery(parsing: "status:'succeeded' AND created>1700000000 -currency:\"usd\"")
        #expect(!query.isDisjunction)
        #expect(
            query.clauses == [
                Clause(field: .status, comparison: .exact, value: .text("succeeded"), negated: false),
                Clause(field: .created, comparison: .greater, value: .number(1_700_000_000), negated: false),
                Clause(field: .currency, comparison: .exact, value: .text("usd"), negated: true),
            ])
        let either = try SearchQuery(parsing: "status:'canceled' or metadata['order']:'4\\'2'")
        #expect(either.isDisjunction)
        #expect(
            either.clauses[1]
                == Clause(field: .metadata("order"), comparison: .exact, value: .text("4'2"), negated: false))
        let bounds = try SearchQuery(parsing: "amount>=1000 amount<=2000 amount=1500 created<5")
        #expect(bounds.clauses.map(\.comparison) == [.greaterOrEqual, .lessOrEqual, .equal, .less])
    }

    @Test(arguments: [
        ("", "empty"),
        ("colour:'red'", "Field `colour` is an unsupported search field for resource `payment_intents`"),
        ("status:'a' AND status:'b' OR status:'c'", "AND and OR cannot be combined"),
        ("status:'a' OR status:'b' status:'c'", "AND and OR cannot be combined"),
        ("amount>'ten'", "takes a number"),
        ("status>'succeeded'", "is matched with `:`"),
        ("status:'succeeded", "unable to parse"),
        ("metadata[order]:'1'", "unable to parse"),
        ("amount>ten", "unable to parse"),
        ("status", "unable to parse"),
        (Array(repeating: "amount>1", count: 11).joined(separator: " "), "at most 10 clauses"),
    ])
    func badQueriesSayWhy(text: String, words: String) {
        #expect {
            try SearchQuery(parsing: text)
        } throws: { error in
            (error as? SearchQuery.ParseError)?.message.contains(words) == true
        }
    }

    static func index(_ text: String) throws -> PaymentIndexQuery {
        PaymentSearchMatcher.indexQuery(try SearchQuery(parsing: text))
    }

    @Test func indexesNarrowWhatTheyCan() throws {
        let succeeded = PaymentIndexQuery.mask([.succeeded, .partiallyRefunded, .refunded, .disputed])
        #expect(try Self.index("status:'succeeded'").statusMask == succeeded)
        #expect(
            try Self.index("-status:'succeeded'").statusMask == PaymentIndexQuery.everyStatus & ~succeeded)
        // An incomplete payment may or may not require action: its record decides, not the index.
        #expect(try Self.index("-status:'requires_action'").statusMask == PaymentIndexQuery.everyStatus)
        #expect(try Self.index("status:'nonsense'").isEmpty)
        #expect(try Self.index("currency:'EUR'").currencyMask == PaymentIndexQuery.mask(.eur))
        #expect(try Self.index("created>10 created<=20").createdRange == 11...20)
        #expect(try Self.index("created>20 created<10").isEmpty)
        #expect(
            try Self.index("status:'canceled' OR status:'processing'").statusMask
                == PaymentIndexQuery.mask([.canceled, .processing]))
        #expect(try Self.index("status:'canceled' OR amount>5").statusMask == PaymentIndexQuery.everyStatus)
    }
}
