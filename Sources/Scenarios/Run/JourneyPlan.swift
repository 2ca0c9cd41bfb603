import Core
import PaystormRuntime
import Services

/// One simulated customer's payment, drawn from the scenario's mix before it is sent: what is
/// bought, how, and what happens afterwards (capture, refunds, a dispute, a client retry).
struct JourneyPlan: Sendable {
    /// `cancel`: the merchant voids the authorization after the duration, before any capture.
    enum Capture: Sendable {
        case immediate, delayed(Duration), partial(Int64, Duration), never, cancel(Duration)
    }
    enum Refund: Sendable { case none, full(Duration), partial(Int64, Duration) }

    var number: Int
    var intended: SimTime
    var merchant: MerchantID
    var settlementCurrency: Currency
    var amount: Money
    var pan: String
    var country: String
    var device: UInt64
    var isFraudulent: Bool
    /// Paid by bank transfer (the bank rail) instead of by card.
    var isBankTransfer: Bool
    var capture: Capture
    var refund: Refund
    var dispute: Dispute?
    var clientRetry: Bool

    /// What the cardholder's bank and the merchant do about a dispute, in Stripe's flow: an
    /// inquiry that the bank closes or escalates into a chargeback, or a chargeback from the
    /// start; the merchant answers (submits evidence) or not; an answered chargeback is won or
    /// lost, an unanswered one lost.
    struct Dispute {
        var isInquiry: Bool
        /// An inquiry only: the bank turns it into a chargeback instead of closing it.
        var escalates: Bool
        /// The merchant submits evidence (to the inquiry, and to the chargeback).
        var isAnswered: Bool
        /// An answered chargeback only: the bank decides for the merchant.
        var won: Bool
        /// Between the opening and each of the bank's later steps.
        var after: Duration
    }
}

/// Draws journeys from a scenario. Pure: the same stream gives the same journeys.
struct JourneyPlanner: Sendable {
    let scenario: Scenario
    /// Cumulative shares for merchant settlement currencies and payment currencies.
    private let merchantCurrencies: [(Currency, Double)]
    private let amountSpecs: [(AmountSpec, Double)]
    private let runEnd: SimTime
    static let laterStepsWithin: Int64 = 400_000_000_000
    /// The legitimate cardholders of the run (`cardholderCount`).
    let cardholders: Int

    /// Payments per legitimate cardholder, on average, over a run.
    static let paymentsPerCardholder = 2.0
    /// The smallest population, for runs of a handful of payments.
    static let cardholdersMin = 100
    /// Legitimate cards are numbered from here, apart from the fraudsters' (stolen cards from
    /// 10,000,000 to 1,010,000,000, card testers' from `testerCardIndexFirst`).
    static let cardholderIndexFirst: UInt64 = 1 << 60
    static let testerCardIndexFirst: UInt64 = 2 << 60
    /// A card tester's burst: about this many attempts on one card within one
    /// `testingSlotNanoseconds` (the fraud engine's velocity rule blocks from the tenth in an
    /// hour), whatever the scale and length of the run.
    static let testingAttemptsPerCard = 20.0
    static let testingSlotNanoseconds: Int64 = 600_000_000_000
    /// Card testers' cards in use during each slot (`testerCards`).
    let testerCardsPerSlot: Int
    private let testingSlotNanoseconds: Int64

    /// As many testers' cards per slot as give each about `testingAttemptsPerCard` attempts:
    /// the card-testing share of the payments the profile expects in one slot, over that.
    static func testerCards(_ scenario: Scenario, slotNanoseconds: Int64) -> Int {
        let fraud = scenario.mix.fraud
        let testingShare = fraud.share * fraud.cardTesting / max(1e-9, fraud.cardTesting + fraud.stolenCard)
        let slots = Double(max(1, scenario.duration.nanoseconds)) / Double(slotNanoseconds)
        let perSlot = scenario.load.expectedArrivals * testingShare / max(1, slots)
        let cards = (perSlot / testingAttemptsPerCard).rounded(.up)
        guard cards.isFinite, cards < 1e9 else { return 1_000_000_000 }
        return max(1, Int(cards))
    }

    /// The cardholder population follows the traffic, not the merchants: one cardholder per
    /// `paymentsPerCardholder` payments the profile expects (so `--scale` and `--duration` move
    /// it too), at least `cardholdersMin`. Each legitimate payment draws its cardholder
    /// uniformly, so the payments per cardholder are Poisson with mean 2 (27% pay once, 27%
    /// twice, 18% three times, 14% four or more; 14% of the population buy nothing): repeat
    /// customers exist at every scale, and a legitimate card reaching the fraud engine's
    /// velocity limit of 10 attempts in an hour is a 1-in-20,000 event, whatever the scale.
    static func cardholderCount(expectedPayments: Double) -> Int {
        let wanted = (expectedPayments / paymentsPerCardholder).rounded(.up)
        guard wanted.isFinite, wanted < 1e12 else { return Int(1e12) }
        return max(cardholdersMin, Int(wanted))
    }

    init(scenario: Scenario) {
        self.scenario = scenario
        var total = 0.0
        merchantCurrencies = scenario.merchants.currencies.map { entry in
            total += entry.share
            return (entry.currency, total)
        }
        var weights = 0.0
        amountSpecs = scenario.mix.amounts.map { spec in
            weights += spec.weight
            return (spec, weights)
        }
        runEnd = SimTime(nanoseconds: scenario.duration.nanoseconds)
        cardholders = Self.cardholderCount(expectedPayments: scenario.load.expectedArrivals)
        testingSlotNanoseconds = max(1, min(Self.testingSlotNanoseconds, scenario.duration.nanoseconds))
        testerCardsPerSlot = Self.testerCards(scenario, slotNanoseconds: testingSlotNanoseconds)
    }

    /// A merchant's settlement currency: fixed per merchant (a hash of its id against the
    /// population's currency shares), so every run agrees on it.
    func settlementCurrency(of merchant: MerchantID) -> Currency {
        guard let last = merchantCurrencies.last else { return .usd }
        var mixed = merchant.rawValue &* 0x9E37_79B9_7F4A_7C15
        mixed ^= mixed >> 29
        let point = Double(mixed % 1_000_000) / 1_000_000 * last.1
        return merchantCurrencies.first { point < $0.1 }?.0 ?? last.0
    }

    func plan(_ number: Int, intended: SimTime, random: inout RandomStream) -> JourneyPlan {
        let mix = scenario.mix
        let merchant = MerchantID(UInt64(random.index(scenario.merchants.count) + 1))
        let spec = pickAmountSpec(&random)
        let isFraudulent = random.chance(mix.fraud.share)
        let drawn = drawAmount(spec, &random)
        let (pan, amount, country) = customer(
            isFraudulent: isFraudulent, spec: spec, amount: drawn, intended: intended, random: &random)
        // Later steps (delayed capture, refund, dispute) come within a share of the time left,
        // and never more than two minutes later: a long run must not hold more journeys in
        // flight than a short one, or its memory would grow with its length.
        let remaining = max(1, min(runEnd.nanoseconds - intended.nanoseconds, Self.laterStepsWithin))
        func later(_ fraction: Double) -> Duration {
            .nanoseconds(Int64(Double(remaining) * fraction * random.nextUnit()))
        }
        let capture: JourneyPlan.Capture
        let draw = random.nextUnit()
        let shares = mix.capture
        if draw < shares.immediate {
            capture = .immediate
        } else if draw < shares.immediate + shares.delayed {
            capture =
                random.chance(shares.partial)
                ? .partial(
                    Self.stripeCompatible(
                        amount.minorUnits * Int64(50 + random.index(50)) / 100, amount.currency),
                    later(0.3))
                : .delayed(later(0.3))
        } else if draw < shares.immediate + shares.delayed + shares.never || shares.cancel == 0 {
            // Drawn as before when the mix has no cancels: the same seed, the same journeys.
            capture = .never
        } else {
            capture = .cancel(later(0.3))
        }
        var refund = JourneyPlan.Refund.none
        let refundDraw = random.nextUnit()
        if refundDraw < mix.refunds.full {
            refund = .full(later(0.3))
        } else if refundDraw < mix.refunds.full + mix.refunds.partial {
            refund = .partial(
                Self.stripeCompatible(amount.minorUnits / Int64(2 + random.index(3)), amount.currency),
                later(0.3))
        }
        var dispute: JourneyPlan.Dispute?
        if random.chance(mix.disputeRate) {
            let isInquiry = random.chance(0.3)
            let isAnswered = random.chance(0.8)
            dispute = JourneyPlan.Dispute(
                isInquiry: isInquiry, escalates: isInquiry && random.chance(0.5), isAnswered: isAnswered,
                won: isAnswered && random.chance(0.5), after: later(0.15))
        }
        return JourneyPlan(
            number: number, intended: intended, merchant: merchant,
            settlementCurrency: settlementCurrency(of: merchant),
            amount: amount, pan: pan, country: country, device: random.next() % 100_000,
            isFraudulent: isFraudulent, isBankTransfer: !isFraudulent && !random.chance(mix.cardShare),
            capture: capture, refund: refund, dispute: dispute,
            clientRetry: random.chance(mix.clientRetryRate))
    }

    /// Who pays, how much, from where: a cardholder of the population at the drawn amount; or a
    /// fraudster, card testing (bursts of tiny amounts, about `testingAttemptsPerCard` on each
    /// of the time slot's cards) or with a stolen card (a fresh card, a large amount, from
    /// abroad).
    private func customer(
        isFraudulent: Bool, spec: AmountSpec, amount: Money, intended: SimTime, random: inout RandomStream
    ) -> (pan: String, amount: Money, country: String) {
        let fraud = scenario.mix.fraud
        if isFraudulent
            && random.nextUnit() < fraud.cardTesting / max(1e-9, fraud.cardTesting + fraud.stolenCard)
        {
            let slot = UInt64(max(0, intended.nanoseconds) / testingSlotNanoseconds)
            let card = slot &* UInt64(testerCardsPerSlot) &+ UInt64(random.index(testerCardsPerSlot))
            let pan = Self.pan(index: Self.testerCardIndexFirst &+ card, random: &random)
            return (pan, Money(minorUnits: spec.min.minorUnits, currency: spec.currency), "US")
        }
        if isFraudulent {
            let pan = Self.pan(index: random.next() % 1_000_000_000 + 10_000_000, random: &random)
            let (fourfold, overflow) = amount.minorUnits.multipliedReportingOverflow(by: 4)
            let large = Money(
                minorUnits: overflow ? spec.max.minorUnits : min(spec.max.minorUnits, fourfold),
                currency: spec.currency)
            return (pan, large, ["RU", "NG", "BR", "VN"][random.index(4)])
        }
        let pan = Self.pan(
            index: Self.cardholderIndexFirst + UInt64(random.index(cardholders)), random: &random)
        return (pan, amount, "US")
    }

    /// A partial amount Stripe accepts: at least one minor unit, and in a three-decimal currency
    /// (KWD, BHD, ...) a multiple of 10 (the last digit 0), rounded down.
    static func stripeCompatible(_ minorUnits: Int64, _ currency: Currency) -> Int64 {
        guard currency.exponent == 3 else { return max(1, minorUnits) }
        return max(10, minorUnits - minorUnits % 10)
    }

    private func pickAmountSpec(_ random: inout RandomStream) -> AmountSpec {
        let point = random.nextUnit() * (amountSpecs.last?.1 ?? 1)
        return amountSpecs.first { point < $0.1 }?.0 ?? amountSpecs[amountSpecs.count - 1].0
    }

    /// A log-normal draw around the median, clamped; the float is only the draw, the amount is
    /// rounded to an integer of minor units once (and to a multiple of 10 for three-decimal
    /// currencies, as Stripe requires).
    private func drawAmount(_ spec: AmountSpec, _ random: inout RandomStream) -> Money {
        let drawn = random.logNormal(median: Double(spec.median.minorUnits), sigma: spec.sigma).rounded()
        // Clamped as integers: a draw outside [min, max] (or not finite) never reaches Int64's
        // conversion, which would trap past its range.
        var units: Int64
        if !(drawn > 0) {
            units = spec.min.minorUnits
        } else if drawn < 9.0e18 {
            units = max(spec.min.minorUnits, min(spec.max.minorUnits, Int64(drawn)))
        } else {
            units = spec.max.minorUnits
        }
        if spec.currency.exponent == 3 { units = max(10, units / 10 * 10) }
        return Money(minorUnits: units, currency: spec.currency)
    }

    /// A Luhn-valid 16-digit PAN (15 for Amex) for card `index`; the brand follows the
    /// card index (Visa, Mastercard, Amex in turn).
    ///
    /// Written as ASCII digits straight into the string: one is drawn per arrival, and an array
    /// of one-digit strings joined was 2.8% of a realtime run's CPU samples.
    static func pan(index: UInt64, random: inout RandomStream) -> String {
        let prefix = panPrefixes[Int(index % 3)]
        let length = prefix == [3, 7] ? 15 : 16
        return String(unsafeUninitializedCapacity: length) { digits in
            var count = 0
            for digit in prefix {
                digits[count] = digit
                count += 1
            }
            var mixed = index &* 0x9E37_79B9_7F4A_7C15
            while count < length - 1 {
                digits[count] = UInt8(mixed % 10)
                count += 1
                mixed = mixed / 10 == 0 ? (index &+ UInt64(count)) &* 0xBF58_476D_1CE4_E5B9 : mixed / 10
            }
            // Luhn: every second digit from the right of the payload doubled, the check digit last.
            var sum = 0
            for offset in 0..<count {
                let digit = Int(digits[count - 1 - offset])
                let doubled = offset % 2 == 0 ? digit * 2 : digit
                sum += doubled > 9 ? doubled - 9 : doubled
            }
            digits[count] = UInt8((10 - sum % 10) % 10)
            count += 1
            for place in 0..<count { digits[place] += UInt8(ascii: "0") }
            return count
        }
    }

    /// The leading digits of Visa, Mastercard and Amex numbers.
    private static let panPrefixes: [[UInt8]] = [[4], [5, 1], [3, 7]]
}
