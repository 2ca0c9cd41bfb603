import Testing

@testable import Core

/// `Money` on hand-checked values: rounding rules, edges of Int64, formatting per exponent, and
/// the errors malformed text gets.
@Suite struct MoneyKnownValueTests {
    struct RoundingCase: Sendable, CustomTestStringConvertible {
        let units: Int64
        let numerator: Int64
        let denominator: Int64
        /// Expected results for halfEven, halfUp, towardZero, down.
        let expected: [Int64]
        var testDescription: String { "\(units) * \(numerator) / \(denominator)" }
    }

    static let roundingCases: [RoundingCase] = [
        .init(units: 5, numerator: 1, denominator: 2, expected: [2, 3, 2, 2]),  // 2.5: a tie, even below
        .init(units: 15, numerator: 1, denominator: 2, expected: [8, 8, 7, 7]),  // 7.5: a tie, even above
        .init(units: -5, numerator: 1, denominator: 2, expected: [-2, -3, -2, -3]),  // -2.5
        .init(units: -15, numerator: 1, denominator: 2, expected: [-8, -8, -7, -8]),  // -7.5
        .init(units: 7, numerator: 1, denominator: 3, expected: [2, 2, 2, 2]),  // 2.33
        .init(units: -7, numerator: 1, denominator: 3, expected: [-2, -2, -2, -3]),  // -2.33
        .init(units: 8, numerator: 1, denominator: 3, expected: [3, 3, 2, 2]),  // 2.67
        .init(units: -8, numerator: 1, denominator: 3, expected: [-3, -3, -2, -3]),  // -2.67
        .init(units: 5, numerator: 1, denominator: -2, expected: [-2, -3, -2, -3]),  // negative divisor
        .init(units: 1_000, numerator: 290, denominator: 10_000, expected: [29, 29, 29, 29]),  // exact
        .init(units: 1_050, numerator: 290, denominator: 10_000, expected: [30, 30, 30, 30]),  // 30.45
        .init(units: 250, numerator: 1, denominator: 100, expected: [2, 3, 2, 2]),  // 2.5
        .init(units: 350, numerator: 1, denominator: 100, expected: [4, 4, 3, 3]),  // 3.5
        .init(units: 0, numerator: 7, denominator: 3, expected: [0, 0, 0, 0]),
        // The intermediate product overflows Int64 but not the 128-bit computation.
        .init(
            units: .max, numerator: 3, denominator: 4,
            expected: [
                6_917_529_027_641_081_855, 6_917_529_027_641_081_855, 6_917_529_027_641_081_855,
                6_917_529_027_641_081_855,
            ]),  // .25 below
    ]

    @Test(arguments: roundingCases)
    func roundingRules(_ testCase: RoundingCase) throws {
        let rules: [RoundingRule] = [.halfEven, .halfUp, .towardZero, .down]
        for (rule, expected) in zip(rules, testCase.expected) {
            let money = Money(minorUnits: testCase.units, currency: .usd)
            let scaled = try money.scaled(by: testCase.numerator, over: testCase.denominator, rounding: rule)
            #expect(scaled.minorUnits == expected, "\(rule)")
        }
    }

    @Test func feesRoundHalfEvenOnce() throws {
        let usd = { (units: Int64) in Money(minorUnits: units, currency: .usd) }
        #expect(try usd(10_000).fee(basisPoints: 290, fixedMinorUnits: 30) == usd(320))
        #expect(try usd(50).fee(basisPoints: 100, fixedMinorUnits: 0) == usd(0))  // 0.5 -> 0
        #expect(try usd(150).fee(basisPoints: 100, fixedMinorUnits: 0) == usd(2))  // 1.5 -> 2
        #expect(try usd(1_550).fee(basisPoints: 290, fixedMinorUnits: 30) == usd(75))  // 44.95 -> 45, + 30
    }

    @Test func divisionByZeroThrows() {
        #expect(throws: MoneyError.divisionByZero) {
            try Money(minorUnits: 10, currency: .usd).scaled(by: 1, over: 0)
        }
    }

    @Test func overflowThrowsAtInt64Edges() {
        let max = Money(minorUnits: .max, currency: .usd)
        let min = Money(minorUnits: .min, currency: .usd)
        let one = Money(minorUnits: 1, currency: .usd)
        #expect(throws: MoneyError.self) { try max.adding(one) }
        #expect(throws: MoneyError.self) { try min.subtracting(one) }
        #expect(throws: MoneyError.self) { try min.negated() }
        #expect(throws: MoneyError.self) { try max.multiplied(by: 2) }
        #expect(throws: MoneyError.self) { try min.multiplied(by: -1) }
        #expect(throws: MoneyError.self) { try max.scaled(by: 2, over: 1) }
        #expect(throws: MoneyError.self) { try max.fee(basisPoints: 10_000, fixedMinorUnits: 1) }
        #expect(throws: MoneyError.self) { try Money(parsing: "92233720368547758.08 USD") }
        #expect(throws: MoneyError.self) { try Money(parsing: "-92233720368547758.09 USD") }
        #expect(throws: MoneyError.self) { try Money(parsing: "99999999999999999999999999 JPY") }
        // ...while the edges themselves are fine.
        #expect((try? max.subtracting(one))?.minorUnits == .max - 1)
        #expect((try? min.adding(one))?.minorUnits == .min + 1)
        #expect((try? Money(parsing: "92233720368547758.07 USD")) == max)
        #expect((try? Money(parsing: "-92233720368547758.08 USD")) == min)
        #expect((try? max.negated())?.minorUnits == -Int64.max)
    }

    @Test func overflowErrorIsDescriptive() {
        do {
            _ = try Money(minorUnits: .max, currency: .usd).adding(Money(minorUnits: 1, currency: .usd))
            Issue.record("adding one to Int64.max did not throw")
        } catch {
            #expect(error.description.contains("overflow"))
            #expect(error.description.contains("USD"))
        }
    }

    @Test(arguments: [
        (Int64(1_000), Currency.jpy, "1000 JPY"),
        (-1_000, .krw, "-1000 KRW"),
        (1_234, .kwd, "1.234 KWD"),
        (-50, .kwd, "-0.050 KWD"),
        (1_000, .bhd, "1.000 BHD"),
        (1_234, .usd, "12.34 USD"),
        (5, .eur, "0.05 EUR"),
        (-5, .gbp, "-0.05 GBP"),
        (0, .chf, "0.00 CHF"),
    ])
    func formatting(units: Int64, currency: Currency, text: String) throws {
        let money = Money(minorUnits: units, currency: currency)
        #expect(money.description == text)
        #expect(try Money(parsing: text) == money)
    }

    @Test(arguments: [
        ("12.34 USD", Int64(1_234), Currency.usd),
        ("USD 12.34", 1_234, .usd),
        ("usd 12.34", 1_234, .usd),
        ("12.340 USD", 1_234, .usd),
        ("1,200 JPY", 1_200, .jpy),
        ("1.5 KWD", 1_500, .kwd),
        ("-5 EUR", -500, .eur),
        ("+.5 EUR", 50, .eur),
        ("1.000 JPY", 1, .jpy),
    ])
    func parsingAcceptedForms(text: String, units: Int64, currency: Currency) throws {
        #expect(try Money(parsing: text) == Money(minorUnits: units, currency: currency))
    }

    @Test func zeroAndThreeDecimalExponents() throws {
        #expect(Currency.jpy.exponent == 0 && Currency.krw.exponent == 0)
        #expect(Currency.kwd.exponent == 3 && Currency.bhd.exponent == 3)
        #expect(Currency.usd.minorUnitsPerMajor == 100 && Currency.kwd.minorUnitsPerMajor == 1_000)
        #expect(try Money(parsing: "1.234 KWD").minorUnits == 1_234)
        #expect(try Money(parsing: "1000 JPY").minorUnits == 1_000)
        #expect(!Money(minorUnits: 1_234, currency: .kwd).isStripeCompatible)
        #expect(Money(minorUnits: 1_230, currency: .kwd).isStripeCompatible)
    }

    struct MalformedCase: Sendable, CustomTestStringConvertible {
        let text: String
        let expected: MoneyError
        /// Words the message must contain, so that it says what is wrong.
        let mentions: [String]
        var testDescription: String { "'\(text)'" }
    }

    static let malformedCases: [MalformedCase] = [
        .init(
            text: "12.345 USD", expected: .tooManyDecimals("12.345", currency: .usd),
            mentions: ["12.345", "USD", "2"]),
        .init(text: "1.5 JPY", expected: .tooManyDecimals("1.5", currency: .jpy), mentions: ["1.5", "JPY"]),
        .init(
            text: "1.2345 KWD", expected: .tooManyDecimals("1.2345", currency: .kwd), mentions: ["KWD", "3"]),
        .init(
            text: "abc",
            expected: .malformedAmount("abc", reason: "expected '<amount> <currency>', e.g. '12.34 USD'"),
            mentions: ["abc", "12.34 USD"]),
        .init(
            text: "",
            expected: .malformedAmount("", reason: "expected '<amount> <currency>', e.g. '12.34 USD'"),
            mentions: ["malformed"]),
        .init(text: "12 XYZ", expected: .unknownCurrency("XYZ"), mentions: ["XYZ", "USD", "JPY"]),
        .init(
            text: "12 USDX", expected: .malformedAmount("12 USDX", reason: "no three-letter currency code"),
            mentions: ["12 USDX"]),
        .init(
            text: "1.2.3 USD", expected: .malformedAmount("1.2.3", reason: "more than one decimal point"),
            mentions: ["decimal point"]),
        .init(
            text: "12a USD",
            expected: .malformedAmount(
                "12a", reason: "only digits, one '.', ',' separators and a leading sign are allowed"),
            mentions: ["12a"]),
        .init(text: ". USD", expected: .malformedAmount(".", reason: "no digits"), mentions: ["no digits"]),
        .init(
            text: "12 34 USD",
            expected: .malformedAmount(
                "12 34 USD", reason: "expected '<amount> <currency>', e.g. '12.34 USD'"),
            mentions: ["12 34 USD"]),
    ]

    @Test(arguments: malformedCases)
    func malformedTextThrowsDescriptiveError(_ testCase: MalformedCase) {
        do {
            let money = try Money(parsing: testCase.text)
            Issue.record("'\(testCase.text)' parsed as \(money)")
        } catch {
            #expect(error == testCase.expected)
            for word in testCase.mentions {
                #expect(error.description.contains(word), "'\(error.description)' should mention '\(word)'")
            }
        }
    }

    @Test func unknownCurrencyCodeThrows() throws {
        #expect(throws: MoneyError.unknownCurrency("ZZZ")) { try Currency(code: "ZZZ") }
        #expect(throws: MoneyError.unknownCurrency("")) { try Currency(code: "") }
        #expect(try Currency(code: "kwd") == .kwd)
    }
}
