import Core
import Ledger
import PaystormRuntime

/// How a simulated network behaves: latency, declines, timeouts, outages, settlement and caps.
public struct NetworkBehaviour: Hashable, Sendable {
    /// What an authorization meets while the network is down.
    public enum OutageMode: Hashable, Sendable {
        /// Nothing answers: the caller waits `timeout` and gets `.timedOut` (the request never
        /// reached the issuer, which an inquiry after the outage confirms).
        case timeout
        /// The network answers at once with `issuer_not_available`.
        case failFast
    }

    /// A decline code and its relative weight among declines.
    public struct WeightedDecline: Hashable, Sendable {
        public var code: DeclineCode
        public var weight: Int
        public init(_ code: DeclineCode, _ weight: Int) {
            self.code = code
            self.weight = weight
        }
    }

    /// A return code and its relative weight among bank returns.
    public struct WeightedReturn: Hashable, Sendable {
        public var code: BankReturnCode
        public var weight: Int
        public init(_ code: BankReturnCode, _ weight: Int) {
            self.code = code
            self.weight = weight
        }
    }

    /// Median of the log-normal response time.
    public var latencyMedian: Duration
    /// Standard deviation of the log of the response time.
    public var latencySigma: Double
    /// Response times are clamped here.
    public var latencyMax: Duration
    /// Probability that the issuer declines an authorization.
    public var declineRate: Double
    /// Which codes declines carry.
    public var declineWeights: [WeightedDecline]
    /// Extra probability that the issuer declines a payment the simulator generated as fraud
    /// (with lost_card, stolen_card or fraudulent).
    public var fraudDeclineRate: Double
    /// Probability that the answer is lost: the caller waits `timeout` and gets `.timedOut`.
    public var timeoutRate: Double
    /// How long a caller waits before an authorization counts as timed out. A response slower
    /// than this is a timeout too.
    public var timeout: Duration
    /// Of lost answers, the share whose request had reached the issuer (and was decided): the
    /// rest never arrived. An inquiry tells which.
    public var timedOutProcessedProbability: Double
    public var outageMode: OutageMode
    /// Scheduled outages, in run time, besides the `setOutage` fault hook.
    public var outageWindows: [Range<SimTime>]
    /// Days between a capture or refund and the settlement file that lists it (cards T+1, bank
    /// transfers T+3 by default).
    public var settlementDelayDays: Int
    /// Bank rail only: probability that a captured debit is returned at settlement.
    public var returnRate: Double
    public var returnWeights: [WeightedReturn]
    /// Authorization records kept; the oldest are forgotten beyond it (inquiries on them then
    /// answer `notFound`, captures `unknownPayment`).
    public var authorizationsMax: Int
    /// Settlement days kept before the oldest file is dropped.
    public var settlementDaysRetained: Int
    /// Lines kept per settlement file; further lines are counted as dropped.
    public var settlementLinesPerDayMax: Int

    public init(
        latencyMedian: Duration = .milliseconds(250), latencySigma: Double = 0.4,
        latencyMax: Duration = .seconds(30), declineRate: Double = 0.08,
        declineWeights: [WeightedDecline] = NetworkBehaviour.standardDeclineWeights,
        fraudDeclineRate: Double = 0.3, timeoutRate: Double = 0.002, timeout: Duration = .seconds(10),
        timedOutProcessedProbability: Double = 0.5, outageMode: OutageMode = .timeout,
        outageWindows: [Range<SimTime>] = [], settlementDelayDays: Int = 1, returnRate: Double = 0,
        returnWeights: [WeightedReturn] = NetworkBehaviour.standardReturnWeights,
        authorizationsMax: Int = 1_000_000, settlementDaysRetained: Int = 30,
        settlementLinesPerDayMax: Int = 2_000_000
    ) {
        self.latencyMedian = latencyMedian
        self.latencySigma = latencySigma
        self.latencyMax = latencyMax
        self.declineRate = declineRate
        self.declineWeights = declineWeights
        self.fraudDeclineRate = fraudDeclineRate
        self.timeoutRate = timeoutRate
        self.timeout = timeout
        self.timedOutProcessedProbability = timedOutProcessedProbability
        self.outageMode = outageMode
        self.outageWindows = outageWindows
        self.settlementDelayDays = settlementDelayDays
        self.returnRate = returnRate
        self.returnWeights = returnWeights
        self.authorizationsMax = authorizationsMax
        self.settlementDaysRetained = settlementDaysRetained
        self.settlementLinesPerDayMax = settlementLinesPerDayMax
    }

    /// Shares of decline codes roughly as processors report them: insufficient funds and
    /// do-not-honor dominate, lost and stolen cards are rare.
    public static let standardDeclineWeights: [WeightedDecline] = [
        .init(.insufficientFunds, 35), .init(.doNotHonor, 20), .init(.genericDecline, 15),
        .init(.incorrectCVC, 10), .init(.expiredCard, 8), .init(.transactionNotAllowed, 5),
        .init(.lostCard, 3), .init(.stolenCard, 2), .init(.pickupCard, 2),
    ]

    /// Shares of ACH return codes: R01 (insufficient funds) is by far the most common.
    public static let standardReturnWeights: [WeightedReturn] = [
        .init(.r01, 55), .init(.r02, 12), .init(.r03, 10), .init(.r04, 5), .init(.r10, 13), .init(.r16, 5),
    ]

    /// The default behaviour of each network: Amex answers a little slower and declines a
    /// little less; the bank rail approves every debit at once, settles T+3 and returns 1%.
    public static func standard(for kind: PaymentNetwork) -> NetworkBehaviour {
        switch kind {
        case .visa:
            NetworkBehaviour()
        case .mastercard:
            NetworkBehaviour(latencyMedian: .milliseconds(270), declineRate: 0.085)
        case .amex:
            NetworkBehaviour(latencyMedian: .milliseconds(350), latencySigma: 0.5, declineRate: 0.06)
        case .bankRail:
            NetworkBehaviour(
                latencyMedian: .milliseconds(150), latencySigma: 0.3, declineRate: 0, fraudDeclineRate: 0,
                timeoutRate: 0.001, settlementDelayDays: 3, returnRate: 0.01)
        }
    }

    func validate() throws(NetworkError) {
        let probabilities = [
            declineRate, fraudDeclineRate, timeoutRate, timedOutProcessedProbability, returnRate,
        ]
        guard probabilities.allSatisfy({ (0...1).contains($0) }) else {
            throw .invalidConfiguration("rates and probabilities must be in 0...1")
        }
        guard latencyMedian >= .zero, latencyMax >= latencyMedian, latencySigma >= 0, latencySigma <= 5 else {
            throw .invalidConfiguration("latency needs 0 ≤ median ≤ max and sigma in 0...5")
        }
        guard timeout > .zero else { throw .invalidConfiguration("timeout must be positive") }
        guard !declineWeights.isEmpty, declineWeights.allSatisfy({ $0.weight > 0 }) else {
            throw .invalidConfiguration("declineWeights must be non-empty with positive weights")
        }
        guard !returnWeights.isEmpty, returnWeights.allSatisfy({ $0.weight > 0 }) else {
            throw .invalidConfiguration("returnWeights must be non-empty with positive weights")
        }
        guard (0...60).contains(settlementDelayDays) else {
            throw .invalidConfiguration("settlementDelayDays must be in 0...60")
        }
        guard (1...10_000_000).contains(authorizationsMax) else {
            throw .invalidConfiguration("authorizationsMax must be in 1...10_000_000")
        }
        guard (1...366).contains(settlementDaysRetained) else {
            throw .invalidConfiguration("settlementDaysRetained must be in 1...366")
        }
        guard (1...100_000_000).contains(settlementLinesPerDayMax) else {
            throw .invalidConfiguration("settlementLinesPerDayMax must be in 1...100_000_000")
        }
    }
}
