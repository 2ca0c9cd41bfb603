import Testing

@testable import Core

/// Properties of `Money` over random amounts in every currency, one run per seed.
@Suite struct MoneyPropertyTests {
    static let iterations = 2_000

    @Test(arguments: TestSeeds.all)
    func formatThenParseIsIdentity(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        for _ in 0..<Self.iterations {
            let money = Money(
                minorUnits: random.amount(), currency: Currency.all.randomElement(using: &random)!)
            let text = money.description
            let parsed = try Money(parsing: text)
            #expect(parsed == money, "seed \(seed): '\(text)' parsed as \(parsed)")
            #expect(try Money(parsing: money.decimalString, currency: money.currency) == money)
        }
    }

    @Test(arguments: TestSeeds.all)
    func allocationPartsSumExactlyAndStayProportional(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        for _ in 0..<Self.iterations {
            let money = Money(
                minorUnits: random.amount(), currency: Currency.all.randomElement(using: &random)!)
            var weights = (0..<Int.random(in: 1...8, using: &random)).map { _ in
                Int64.random(in: 0...1_000, using: &random)
            }
            if weights.allSatisfy({ $0 == 0 }) { weights[0] = 1 }
            let parts = try money.allocated(weights)
            #expect(parts.count == weights.count)
            let sum = parts.reduce(Int128(0)) { $0 + Int128($1.minorUnits) }
            #expect(sum == Int128(money.minorUnits), "seed \(seed): \(money) over \(weights) gave \(parts)")
            let total = Int128(weights.reduce(0, +))
            for (part, weight) in zip(parts, weights) {
                #expect(part.currency == money.currency)
                // Each part is within one minor unit of its exact share.
                let error = Int128(part.minorUnits) * total - Int128(money.minorUnits) * Int128(weight)
                #expect(
                    error.magnitude < total.magnitude, "seed \(seed): \(part) of \(money) over \(weights)")
            }
        }
    }

    @Test(arguments: TestSeeds.all)
    func splitPartsDifferByAtMostOne(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        for _ in 0..<Self.iterations {
            let money = Money(minorUnits: random.amount(), currency: .usd)
            let parts = try money.split(into: Int.random(in: 1...12, using: &random))
            let units = parts.map(\.minorUnits)
            #expect(units.max()! - units.min()! <= 1)
            #expect(units.reduce(Int128(0)) { $0 + Int128($1) } == Int128(money.minorUnits))
        }
    }

    @Test(arguments: TestSeeds.all)
    func addingThenSubtractingIsIdentityOrOverflowThrows(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        for _ in 0..<Self.iterations {
            let currency = Currency.all.randomElement(using: &random)!
            let a = Money(minorUnits: random.amount(), currency: currency)
            let b = Money(minorUnits: random.amount(), currency: currency)
            let exactSum = Int128(a.minorUnits) + Int128(b.minorUnits)
            if let expected = Int64(exactly: exactSum) {
                let sum = try a.adding(b)
                #expect(sum.minorUnits == expected)
                #expect(try sum.subtracting(b) == a)
                #expect(try sum.subtracting(a) == b)
            } else {
                #expect(throws: MoneyError.self, "seed \(seed): \(a) + \(b) must throw") { try a.adding(b) }
            }
            let exactDifference = Int128(a.minorUnits) - Int128(b.minorUnits)
            if let expected = Int64(exactly: exactDifference) {
                let difference = try a.subtracting(b)
                #expect(difference.minorUnits == expected)
                #expect(try difference.adding(b) == a)
            } else {
                #expect(throws: MoneyError.self) { try a.subtracting(b) }
            }
        }
    }

    @Test(arguments: TestSeeds.all)
    func mixingCurrenciesThrows(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        for _ in 0..<200 {
            let first = Currency.all.randomElement(using: &random)!
            let second = Currency.all.filter { $0 != first }.randomElement(using: &random)!
            let a = Money(minorUnits: random.amount(), currency: first)
            let b = Money(minorUnits: random.amount(), currency: second)
            #expect(throws: MoneyError.currencyMismatch(first, second)) { try a.adding(b) }
            #expect(throws: MoneyError.currencyMismatch(first, second)) { try a.subtracting(b) }
        }
    }

    @Test(arguments: TestSeeds.all)
    func scaledNeverTrapsAndRoundsWithinOne(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        for _ in 0..<Self.iterations {
            let money = Money(minorUnits: random.amount(), currency: .eur)
            let numerator = Int64.random(in: -1_000_000...1_000_000, using: &random)
            let denominator =
                Int64.random(in: 1...1_000_000, using: &random) * (Bool.random(using: &random) ? 1 : -1)
            let rule = RoundingRule.allCases.randomElement(using: &random)!
            let exact = Int128(money.minorUnits) * Int128(numerator)
            do {
                let scaled = try money.scaled(by: numerator, over: denominator, rounding: rule)
                // |scaled * d - exact| < |d|: the result is one of the two neighbours of the quotient.
                let error = Int128(scaled.minorUnits) * Int128(denominator) - exact
                #expect(error.magnitude < Int128(denominator).magnitude)
            } catch {
                #expect(error == .overflow(operation: "\(money) * \(numerator) / \(denominator)"))
                // Only a quotient at or beyond the Int64 edges may overflow.
                let quotient = exact / Int128(denominator)
                #expect(quotient >= Int128(Int64.max) || quotient <= Int128(Int64.min))
            }
        }
    }
}
