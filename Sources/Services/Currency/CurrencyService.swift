import Core
import PaystormRuntime
import Synchronization

/// Quotes mid-market rates, locks rates for payments and converts amounts.
///
/// A thin shell around `RateBook` behind a lock: each read first advances the walk to the
/// runtime's current time (see `RateBook` for why reads, not a ticking task, move the market). A
/// quote is not stored here: the payment keeps its `LockedRate`, and `convert` needs nothing
/// else, so the service holds no per-payment state and cannot grow with a run.
///
/// A lock rather than an actor: nothing here suspends, and every payment locks a rate, so an
/// actor cost two executor jobs a payment (the hop there and back) for a few microseconds of
/// arithmetic.
public final class CurrencyService: Sendable {
    /// The service's settings.
    public struct Configuration: Hashable, Sendable {
        /// The FX spread in basis points (100 = 1%), taken from the merchant's converted amount.
        public var spreadBasisPoints: Int64
        /// How the market moves.
        public var market: RateBook.Configuration

        public init(spreadBasisPoints: Int64 = 100, market: RateBook.Configuration = .init()) {
            self.spreadBasisPoints = spreadBasisPoints
            self.market = market
        }
    }

    private struct State {
        var book: RateBook
        var nextQuote: UInt64 = 1
    }

    public let configuration: Configuration
    private let runtime: any Runtime
    private let state: Mutex<State>

    /// - Parameters:
    ///   - stream: which random stream of the run (label "currency") drives the walk.
    /// - Throws: `CurrencyError.invalidConfiguration` for an out-of-range configuration.
    public init(
        runtime: any Runtime, configuration: Configuration = Configuration(), stream: UInt64 = 0
    )
        throws(CurrencyError)
    {
        guard (0..<10_000).contains(configuration.spreadBasisPoints) else {
            throw .invalidConfiguration("spreadBasisPoints must be in 0..<10000")
        }
        self.runtime = runtime
        self.configuration = configuration
        let book = try RateBook(
            configuration: configuration.market, random: runtime.randomStream("currency", stream))
        self.state = Mutex(State(book: book))
    }

    /// Quotes issued so far.
    public var quotesIssued: UInt64 { state.withLock { $0.nextQuote - 1 } }

    /// The current mid-market rate `from` → `to`.
    public func midMarketRate(from: Currency, to: Currency) -> ExchangeRate {
        let now = runtime.now()
        return state.withLock { state in
            state.book.advance(to: now)
            return state.book.midMarketRate(from: from, to: to)
        }
    }

    /// Units of `currency` per USD now, in nanos.
    public func unitsPerUSDNanos(_ currency: Currency) -> Int64 {
        let now = runtime.now()
        return state.withLock { state in
            state.book.advance(to: now)
            return state.book.unitsPerUSDNanos(currency)
        }
    }

    /// Locks the current rate `from` → `to` with the configured spread. A same-currency quote is
    /// the identity with no spread.
    public func quote(from: Currency, to: Currency) -> LockedRate {
        let now = runtime.now()
        let spread = from == to ? 0 : configuration.spreadBasisPoints
        let (id, midMarket) = state.withLock { state in
            state.book.advance(to: now)
            defer { state.nextQuote += 1 }
            return (FXQuoteID(state.nextQuote), state.book.midMarketRate(from: from, to: to))
        }
        return LockedRate(validated: id, midMarket: midMarket, spreadBasisPoints: spread, lockedAt: now)
    }

    /// Converts `amount` with a rate locked earlier; the market's later moves do not matter.
    /// Half-even unless another rule is stated. See `Conversion` for how to book the result.
    /// - Throws: `CurrencyError` if the amount is not in the rate's `from` currency or overflows.
    public func convert(
        _ amount: Money, with rate: LockedRate, rounding rule: RoundingRule = .halfEven
    ) throws(CurrencyError) -> Conversion {
        try rate.convert(amount, rounding: rule)
    }
}
