import Core
import Foundation
import PaystormRuntime
import Testing

@testable import Services

@Suite struct ExchangeRateTests {
    @Test func usdToJPYRoundsHalfEvenOnce() throws {
        let rate = try ExchangeRate(from: .usd, to: .jpy, nanos: 150_500_000_000)
        // 1.00 USD = 150.5 JPY: the half goes to the even neighbour.
        #expect(try rate.convert(Money(minorUnits: 100, currency: .usd)).minorUnits == 150)
        // 3.00 USD = 451.5 JPY.
        #expect(try rate.convert(Money(minorUnits: 300, currency: .usd)).minorUnits == 452)
        #expect(try rate.convert(Money(minorUnits: 100, currency: .usd), rounding: .halfUp).minorUnits == 151)
        let precise = try ExchangeRate(from: .usd, to: .jpy, nanos: 150_123_456_789)
        // 10.00 USD = 1501.23456789 JPY.
        let converted = try precise.convert(Money(minorUnits: 1000, currency: .usd))
        #expect(converted == Money(minorUnits: 1501, currency: .jpy))
    }

    @Test func jpyToUSDScalesUpToCents() throws {
        // 1000 JPY at 0.006666667 USD/JPY = 6.666667 USD = 666.6667 cents.
        let rate = try ExchangeRate(from: .jpy, to: .usd, nanos: 6_666_667)
        #expect(try rate.convert(Money(minorUnits: 1000, currency: .jpy)).minorUnits == 667)
    }

    @Test func eurToKWDUsesThreeDecimals() throws {
        let rate = try ExchangeRate(from: .eur, to: .kwd, nanos: 50_500_000)
        // 1.00 EUR = 0.0505 KWD = 50.5 fils -> 50; 3.00 EUR = 151.5 fils -> 152.
        #expect(try rate.convert(Money(minorUnits: 100, currency: .eur)).minorUnits == 50)
        #expect(try rate.convert(Money(minorUnits: 300, currency: .eur)).minorUnits == 152)
        let market = try ExchangeRate(from: .eur, to: .kwd, nanos: 334_567_800)
        // 10.00 EUR = 3.345678 KWD = 3345.678 fils.
        #expect(
            try market.convert(Money(minorUnits: 1000, currency: .eur))
                == Money(minorUnits: 3346, currency: .kwd))
        // And back: 1.234 KWD at 3 EUR/KWD = 3.702 EUR = 370.2 cents.
        let back = try ExchangeRate(from: .kwd, to: .eur, nanos: 3_000_000_000)
        #expect(try back.convert(Money(minorUnits: 1234, currency: .kwd)).minorUnits == 370)
    }

    @Test func wrongCurrencyAndBadRatesAreTypedErrors() throws {
        let rate = try ExchangeRate(from: .usd, to: .jpy, nanos: 150_000_000_000)
        #expect(throws: CurrencyError.currencyMismatch(amount: .eur, rateFrom: .usd)) {
            try rate.convert(Money(minorUnits: 1, currency: .eur))
        }
        #expect(throws: CurrencyError.invalidRate(nanos: 0)) {
            try ExchangeRate(from: .usd, to: .eur, nanos: 0)
        }
        #expect(throws: CurrencyError.self) {
            try ExchangeRate(from: .usd, to: .eur, nanos: ExchangeRate.nanosMax + 1)
        }
        let huge = try ExchangeRate(from: .usd, to: .krw, nanos: ExchangeRate.nanosMax)
        #expect(throws: CurrencyError.self) { try huge.convert(Money(minorUnits: .max, currency: .usd)) }
    }
}

@Suite struct LockedRateTests {
    @Test func spreadRemainderIsBookedAndAddsUp() throws {
        let mid = try ExchangeRate(from: .usd, to: .jpy, nanos: 150_000_000_000)
        let locked = try LockedRate(id: FXQuoteID(1), midMarket: mid, spreadBasisPoints: 100, lockedAt: .zero)
        #expect(locked.customer.nanos == 148_500_000_000)
        let conversion = try locked.convert(Money(minorUnits: 1000, currency: .usd))
        #expect(conversion.converted == Money(minorUnits: 1485, currency: .jpy))
        #expect(conversion.midMarketValue == Money(minorUnits: 1500, currency: .jpy))
        #expect(conversion.remainder == Money(minorUnits: 15, currency: .jpy))
        #expect(conversion.roundingResidueNanoMinorUnits == 0)
        #expect(conversion.rounding == .halfEven)
    }

    @Test(arguments: [(Currency.usd, Currency.jpy), (.eur, .kwd), (.jpy, .usd), (.kwd, .eur), (.krw, .bhd)])
    func convertedPlusRemainderIsTheMidMarketValue(from: Currency, to: Currency) throws {
        var random = RandomStream(seed: 11).derived("conversion")
        let book = try RateBook(random: random.derived("book"))
        for index in 0..<500 {
            let locked = try LockedRate(
                id: FXQuoteID(UInt64(index)), midMarket: book.midMarketRate(from: from, to: to),
                spreadBasisPoints: random.int(in: 0...300), lockedAt: .zero)
            let amount = Money(minorUnits: random.int(in: 1...10_000_000_000), currency: from)
            let conversion = try locked.convert(amount)
            #expect(try conversion.converted.adding(conversion.remainder) == conversion.midMarketValue)
            #expect(conversion.midMarketValue == (try locked.midMarket.convert(amount)))
            #expect(!conversion.remainder.isNegative)
            #expect(abs(conversion.roundingResidueNanoMinorUnits) <= 500_000_000)
            #expect(conversion.converted.currency == to && conversion.source == amount)
        }
    }

    @Test func lockedRateAndConversionRoundTripThroughJSON() throws {
        let mid = try ExchangeRate(from: .kwd, to: .eur, nanos: 2_987_654_321)
        let locked = try LockedRate(
            id: FXQuoteID(77), midMarket: mid, spreadBasisPoints: 150, lockedAt: SimTime(nanoseconds: 123_456)
        )
        let conversion = try locked.convert(Money(minorUnits: 12_340, currency: .kwd))
        let data = try JSONEncoder().encode(conversion)
        #expect(try JSONDecoder().decode(Conversion.self, from: data) == conversion)
        let bad = Data(#"{"from":"USD","to":"JPY","nanos":0}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ExchangeRate.self, from: bad) }
    }

    @Test func spreadOutOfRangeIsRefused() throws {
        let mid = ExchangeRate.identity(.usd)
        #expect(throws: CurrencyError.self) {
            try LockedRate(id: FXQuoteID(1), midMarket: mid, spreadBasisPoints: 10_000, lockedAt: .zero)
        }
        #expect(throws: CurrencyError.self) {
            try LockedRate(id: FXQuoteID(1), midMarket: mid, spreadBasisPoints: -1, lockedAt: .zero)
        }
    }
}

@Suite struct RateBookTests {
    static func rates(seed: UInt64, at time: SimTime) throws -> [Int64] {
        var book = try RateBook(random: RandomStream(seed: seed).derived("currency"))
        book.advance(to: time)
        return Currency.all.map { book.unitsPerUSDNanos($0) }
    }

    @Test(arguments: [UInt64(1), 2, 99])
    func walkIsDeterministicPerSeedAndIndependentOfReadPattern(seed: UInt64) throws {
        let day = SimTime(nanoseconds: 86_400 * 1_000_000_000)
        let direct = try Self.rates(seed: seed, at: day)
        #expect(direct == (try Self.rates(seed: seed, at: day)))
        #expect(direct != (try Self.rates(seed: seed + 1_000, at: day)))
        var stepped = try RateBook(random: RandomStream(seed: seed).derived("currency"))
        for minute in stride(from: 0, through: 1_440, by: 7) {
            stepped.advance(to: SimTime(nanoseconds: Int64(minute) * 60_000_000_000))
        }
        stepped.advance(to: day)
        #expect(Currency.all.map { stepped.unitsPerUSDNanos($0) } == direct)
        #expect(stepped.ticks == 1_440)
        #expect(direct != (try Self.rates(seed: seed, at: .zero)), "the market did not move in a day")
        #expect(direct[Currency.usd.index] == ExchangeRate.nanosPerUnit)
    }

    @Test func wildWalkStaysPositiveAndBounded() throws {
        let configuration = RateBook.Configuration(
            tickInterval: .seconds(1), volatilityPerTick: 0.05, deviationMax: 4)
        var book = try RateBook(configuration: configuration, random: RandomStream(seed: 5))
        for hour in 1...24 {
            book.advance(to: SimTime(nanoseconds: Int64(hour) * 3_600_000_000_000))
            for currency in Currency.all {
                let initial = RateBook.Configuration.defaultUnitsPerUSDNanos[currency]!
                let nanos = book.unitsPerUSDNanos(currency)
                #expect(nanos > 0)
                #expect(nanos >= initial / 4 - 1 && nanos <= initial * 4 + 1)
                let cross = book.midMarketRate(from: currency, to: .jpy)
                #expect(cross.nanos > 0)
            }
        }
    }

    @Test func badConfigurationIsATypedError() {
        #expect(throws: CurrencyError.self) {
            try RateBook(configuration: .init(tickInterval: .zero), random: RandomStream(seed: 1))
        }
        #expect(throws: CurrencyError.self) {
            try RateBook(
                configuration: .init(initialUnitsPerUSDNanos: [.usd: 2_000_000_000]),
                random: RandomStream(seed: 1))
        }
    }
}

@Suite struct CurrencyServiceTests {
    @Test(arguments: [UInt64(3), 17])
    func lockedRateIsUnchangedAfterLaterTicks(seed: UInt64) throws {
        let runtime = DeterministicRuntime(seed: seed)
        let service = try CurrencyService(runtime: runtime)
        let (first, firstConversion, later, laterMid, secondQuote) = try runtime.run {
            let amount = Money(minorUnits: 123_456, currency: .usd)
            let locked = service.quote(from: .usd, to: .jpy)
            let conversion = try service.convert(amount, with: locked)
            try await runtime.sleep(for: .seconds(6 * 3600))
            let again = try service.convert(amount, with: locked)
            let mid = service.midMarketRate(from: .usd, to: .jpy)
            let second = service.quote(from: .usd, to: .jpy)
            return (locked, conversion, again, mid, second)
        }
        #expect(firstConversion == later)
        #expect(first.midMarket != laterMid, "six hours of ticks left the rate where it was")
        #expect(secondQuote.midMarket == laterMid)
        #expect(secondQuote.id != first.id)
        #expect(first.spreadBasisPoints == 100 && first.lockedAt == .zero)
        #expect(secondQuote.lockedAt == SimTime(nanoseconds: 6 * 3600 * 1_000_000_000))
        #expect(runtime.escapedJobCount == 0)
    }

    @Test func sameCurrencyQuoteIsTheIdentity() throws {
        let runtime = DeterministicRuntime(seed: 1)
        let service = try CurrencyService(runtime: runtime)
        let conversion = try runtime.run {
            let locked = service.quote(from: .kwd, to: .kwd)
            return try service.convert(Money(minorUnits: 1_230, currency: .kwd), with: locked)
        }
        #expect(conversion.converted == Money(minorUnits: 1_230, currency: .kwd))
        #expect(conversion.remainder.isZero)
    }

    @Test func sameSeedSameRates() throws {
        func run(_ seed: UInt64) throws -> [Int64] {
            let runtime = DeterministicRuntime(seed: seed)
            let service = try CurrencyService(runtime: runtime)
            return try runtime.run {
                var seen: [Int64] = []
                for _ in 0..<10 {
                    try await runtime.sleep(for: .seconds(600))
                    seen.append(service.midMarketRate(from: .eur, to: .kwd).nanos)
                }
                return seen
            }
        }
        #expect(try run(8) == run(8))
        #expect(try run(8) != run(9))
    }

    @Test func badSpreadIsRefused() {
        let runtime = DeterministicRuntime(seed: 1)
        #expect(throws: CurrencyError.self) {
            try CurrencyService(runtime: runtime, configuration: .init(spreadBasisPoints: 20_000))
        }
    }
}
