import Core
import PaystormRuntime

/// Mid-market rates of every currency against USD, moved by a seeded random walk: the state
/// machine inside `CurrencyService`.
///
/// Time model (chosen: *advanced on read*): the walk takes one step per `tickInterval` of run
/// time, on a fixed grid (tick k at k × tickInterval). Nothing sleeps; `advance(to:)` applies
/// every step due since the last read. Because the grid and the per-step draws are fixed, the
/// rate at time t depends only on the seed and t, not on when or how often it was read.
/// The cost of a read is proportional to the ticks elapsed since the previous one.
///
/// The walk is geometric (log-rate plus a normal step), clamped to within a factor
/// `deviationMax` of the initial rate, so a rate stays positive and plausible however long the
/// run. USD is the numeraire and does not move.
public struct RateBook: Sendable {
    /// How the market moves.
    public struct Configuration: Hashable, Sendable {
        /// Time between two steps of the walk.
        public var tickInterval: Duration
        /// Standard deviation of one step of the log-rate (0.0005 is about 0.05% per tick).
        public var volatilityPerTick: Double
        /// Rates stay within [initial / deviationMax, initial × deviationMax].
        public var deviationMax: Double
        /// Starting units of each currency per one USD, in nanos. Missing currencies use
        /// `defaultUnitsPerUSDNanos`.
        public var initialUnitsPerUSDNanos: [Currency: Int64]

        public init(
            tickInterval: Duration = .seconds(60), volatilityPerTick: Double = 0.0005,
            deviationMax: Double = 4, initialUnitsPerUSDNanos: [Currency: Int64] = [:]
        ) {
            self.tickInterval = tickInterval
            self.volatilityPerTick = volatilityPerTick
            self.deviationMax = deviationMax
            self.initialUnitsPerUSDNanos = initialUnitsPerUSDNanos
        }

        /// Rough late-2020s mid-market levels: units per one USD, in nanos.
        public static let defaultUnitsPerUSDNanos: [Currency: Int64] = [
            .usd: 1_000_000_000, .eur: 920_000_000, .gbp: 790_000_000, .cad: 1_360_000_000,
            .aud: 1_520_000_000, .chf: 880_000_000, .sek: 10_500_000_000, .jpy: 150_000_000_000,
            .krw: 1_350_000_000_000, .kwd: 307_000_000, .bhd: 376_000_000, .jod: 709_000_000,
            .omr: 385_000_000, .tnd: 3_100_000_000,
        ]

        func validate() throws(CurrencyError) {
            guard tickInterval > .zero else { throw .invalidConfiguration("tickInterval must be positive") }
            guard volatilityPerTick >= 0, volatilityPerTick <= 0.1 else {
                throw .invalidConfiguration("volatilityPerTick must be in 0...0.1")
            }
            guard deviationMax >= 1, deviationMax <= 100 else {
                throw .invalidConfiguration("deviationMax must be in 1...100")
            }
            for (currency, nanos) in initialUnitsPerUSDNanos {
                guard (1...ExchangeRate.nanosMax / 100).contains(nanos) else {
                    throw .invalidConfiguration("initial rate of \(currency) out of range")
                }
                if currency == .usd && nanos != ExchangeRate.nanosPerUnit {
                    throw .invalidConfiguration("USD is the numeraire: its rate must be 1")
                }
            }
        }
    }

    public let configuration: Configuration
    /// Natural log of units per USD, indexed by `Currency.index`.
    private var logRates: [Double]
    private let logFloor: [Double]
    private let logCeiling: [Double]
    private var random: RandomStream
    /// Steps applied so far.
    public private(set) var ticks: Int64 = 0

    /// - Throws: `CurrencyError.invalidConfiguration` for an out-of-range configuration.
    public init(configuration: Configuration = Configuration(), random: RandomStream) throws(CurrencyError) {
        try configuration.validate()
        self.configuration = configuration
        self.random = random
        let spread = RiskMath.logarithm(configuration.deviationMax)
        var logs: [Double] = []
        for currency in Currency.all {
            let nanos =
                configuration.initialUnitsPerUSDNanos[currency]
                ?? Configuration.defaultUnitsPerUSDNanos[currency] ?? ExchangeRate.nanosPerUnit
            logs.append(RiskMath.logarithm(Double(nanos) / Double(ExchangeRate.nanosPerUnit)))
        }
        self.logRates = logs
        self.logFloor = logs.map { $0 - spread }
        self.logCeiling = logs.map { $0 + spread }
    }

    /// Applies every step due at or before `now` (tick k is due at k × tickInterval, k ≥ 1).
    /// Time going backwards does nothing.
    public mutating func advance(to now: SimTime) {
        let interval = configuration.tickInterval.nanoseconds
        let due = max(0, now.nanoseconds) / interval
        while ticks < due {
            step()
            ticks += 1
        }
    }

    private mutating func step() {
        let sigma = configuration.volatilityPerTick
        // Draw for every currency, USD included, so that the sequence does not depend on which
        // currencies move.
        for index in logRates.indices {
            let draw = random.normal(mean: 0, standardDeviation: sigma)
            guard Currency.all[index] != .usd else { continue }
            logRates[index] = min(logCeiling[index], max(logFloor[index], logRates[index] + draw))
        }
    }

    /// Units of `currency` per one USD, in nanos (at least 1).
    public func unitsPerUSDNanos(_ currency: Currency) -> Int64 {
        if currency == .usd { return ExchangeRate.nanosPerUnit }
        let value = RiskMath.exponential(logRates[currency.index]) * Double(ExchangeRate.nanosPerUnit)
        return max(1, min(ExchangeRate.nanosMax, Int64(value.rounded())))
    }

    /// The mid-market cross rate `from` → `to` via USD, rounded half-even once to nanos.
    public func midMarketRate(from: Currency, to: Currency) -> ExchangeRate {
        if from == to { return .identity(from) }
        let toNanos = Int128(unitsPerUSDNanos(to))
        let fromNanos = Int128(unitsPerUSDNanos(from))
        let nanos = FixedPoint.divide(
            toNanos * Int128(ExchangeRate.nanosPerUnit), by: fromNanos, rounding: .halfEven)
        let clamped = Int64(min(max(nanos, 1), Int128(ExchangeRate.nanosMax)))
        return ExchangeRate(unchecked: from, to: to, nanos: clamped)
    }
}
