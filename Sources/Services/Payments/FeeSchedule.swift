import Core

/// What the processor charges a merchant, per settlement currency: a processing fee on each
/// capture (basis points of the captured amount's value in the settlement currency, plus a
/// fixed amount in that currency's minor units) and a dispute fee (in that currency's minor
/// units), taken when a chargeback opens and given back if the merchant wins.
///
/// Fixed amounts are per currency because a minor unit is not a unit of value: 30 minor units
/// are 0.30 USD but 30 JPY (about 0.20 USD) and 0.030 KWD (about 0.10 USD).
///
/// Arithmetic is integer only: the percentage part is `settled × basisPoints / 10,000`, computed
/// in 128 bits and rounded half-even once to a minor unit, then the fixed part is added; a
/// result beyond Int64 is `FeeScheduleError.overflow`, never a trap. A refund does not give the
/// processing fee back (Stripe keeps it); a won dispute gives the dispute fee back.
public struct FeeSchedule: Sendable, Hashable {
    /// One settlement currency's prices.
    public struct Entry: Sendable, Hashable, CustomStringConvertible {
        /// The percentage part, in basis points (290 is 2.9%), in 0..<10,000.
        public var basisPoints: Int64
        /// The fixed part of the processing fee, in the currency's minor units.
        public var fixedMinorUnits: Int64
        /// The dispute (chargeback) fee, in the currency's minor units.
        public var disputeMinorUnits: Int64

        public init(basisPoints: Int64, fixedMinorUnits: Int64, disputeMinorUnits: Int64) {
            self.basisPoints = basisPoints
            self.fixedMinorUnits = fixedMinorUnits
            self.disputeMinorUnits = disputeMinorUnits
        }

        public var description: String {
            "\(basisPoints) bp + \(fixedMinorUnits), dispute \(disputeMinorUnits)"
        }
    }

    /// Prices by currency; a currency missing here takes `Self.stripe`'s entry.
    public var entries: [Currency: Entry]

    public init(entries: [Currency: Entry] = [:]) {
        self.entries = entries
    }

    /// Stripe's published standard pricing for domestic cards where Stripe publishes one:
    /// US 2.9% + 0.30 USD (dispute 15.00 USD), EEA 1.5% + 0.25 EUR (dispute 20.00 EUR), UK
    /// 1.5% + 0.20 GBP (dispute 20.00 GBP), Japan 3.6% with no fixed part (dispute 1,500 JPY),
    /// Canada 2.9% + 0.30 CAD (dispute 15.00 CAD), Australia 1.7% + 0.30 AUD (dispute 25.00
    /// AUD), Switzerland 2.9% + 0.30 CHF (dispute 20.00 CHF), Sweden (EEA pricing, its fixed
    /// part in kronor) 1.5% + 1.80 SEK (dispute 220.00 SEK). KRW and the three-decimal
    /// currencies are not Stripe settlement currencies: they take the US price at Paystorm's
    /// default exchange rates (0.30 USD and 15.00 USD converted, three-decimal amounts in
    /// multiples of 10 minor units).
    public static let stripeEntries: [Currency: Entry] = [
        .usd: Entry(basisPoints: 290, fixedMinorUnits: 30, disputeMinorUnits: 1_500),
        .eur: Entry(basisPoints: 150, fixedMinorUnits: 25, disputeMinorUnits: 2_000),
        .gbp: Entry(basisPoints: 150, fixedMinorUnits: 20, disputeMinorUnits: 2_000),
        .jpy: Entry(basisPoints: 360, fixedMinorUnits: 0, disputeMinorUnits: 1_500),
        .cad: Entry(basisPoints: 290, fixedMinorUnits: 30, disputeMinorUnits: 1_500),
        .aud: Entry(basisPoints: 170, fixedMinorUnits: 30, disputeMinorUnits: 2_500),
        .chf: Entry(basisPoints: 290, fixedMinorUnits: 30, disputeMinorUnits: 2_000),
        .sek: Entry(basisPoints: 150, fixedMinorUnits: 180, disputeMinorUnits: 22_000),
        .krw: Entry(basisPoints: 290, fixedMinorUnits: 400, disputeMinorUnits: 20_000),
        .kwd: Entry(basisPoints: 290, fixedMinorUnits: 90, disputeMinorUnits: 4_610),
        .bhd: Entry(basisPoints: 290, fixedMinorUnits: 110, disputeMinorUnits: 5_640),
        .jod: Entry(basisPoints: 290, fixedMinorUnits: 210, disputeMinorUnits: 10_640),
        .omr: Entry(basisPoints: 290, fixedMinorUnits: 120, disputeMinorUnits: 5_780),
        .tnd: Entry(basisPoints: 290, fixedMinorUnits: 930, disputeMinorUnits: 46_500),
    ]

    /// The default schedule: `stripeEntries`.
    public static let stripe = FeeSchedule(entries: stripeEntries)

    /// The prices in `currency`.
    public func entry(_ currency: Currency) -> Entry {
        entries[currency] ?? Self.stripeEntries[currency]
            ?? Entry(basisPoints: 290, fixedMinorUnits: 30, disputeMinorUnits: 1_500)
    }

    /// The processing fee on a capture worth `settledMinorUnits` of `currency` (the settlement
    /// currency): the percentage rounded half-even once, plus the fixed part. A capture worth
    /// nothing pays no fee.
    /// - Throws: `FeeScheduleError.overflow` when the fee does not fit in Int64.
    public func processingFeeMinorUnits(
        onSettled settledMinorUnits: Int64, in currency: Currency
    ) throws(FeeScheduleError) -> Int64 {
        guard settledMinorUnits > 0 else { return 0 }
        let entry = entry(currency)
        do {
            return try Money(minorUnits: settledMinorUnits, currency: currency).fee(
                basisPoints: entry.basisPoints, fixedMinorUnits: entry.fixedMinorUnits
            ).minorUnits
        } catch {
            throw .overflow("fee on \(settledMinorUnits) \(currency) at \(entry)")
        }
    }

    /// The dispute fee in `currency`.
    public func disputeFeeMinorUnits(in currency: Currency) -> Int64 {
        entry(currency).disputeMinorUnits
    }

    /// Why the schedule is unusable, or nil: basis points in 0..<10,000, no negative amount.
    public var violation: String? {
        for (currency, entry) in entries.sorted(by: { $0.key < $1.key }) {
            if !(0..<10_000).contains(entry.basisPoints) {
                return "fees.\(currency.code).basis_points \(entry.basisPoints) not in 0..<10000"
            }
            if entry.fixedMinorUnits < 0 || entry.disputeMinorUnits < 0 {
                return "fees.\(currency.code): fees must not be negative"
            }
        }
        return nil
    }
}

/// Why a fee could not be computed.
public enum FeeScheduleError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The fee does not fit in Int64 minor units.
    case overflow(String)

    public var description: String {
        switch self {
        case .overflow(let what): "overflow computing the \(what)"
        }
    }
}
