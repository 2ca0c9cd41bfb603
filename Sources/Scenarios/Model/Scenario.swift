import Core
import Ledger
import Services

/// A scenario: what the simulated world looks like, the load it receives, and the thresholds
/// that decide whether the run passed. Decoded and validated from a YAML file by
/// `ScenarioParser`; every value here has already been range-checked.
public struct Scenario: Sendable, Equatable {
    public var name: String
    public var description: String
    public var seed: UInt64
    public var merchants: MerchantPopulation
    public var load: LoadProfile
    public var mix: TrafficMix
    public var networks: [NetworkSpec]
    public var faults: [FaultSpec]
    public var thresholds: [Threshold]
    /// The liveness phase's bound, in run time: after the faults heal, every journey must end
    /// (its payment final, or in a well-defined waiting state) within this long; one that does
    /// not is a counted violation naming its payment, and the run goes on to its checks.
    public var livenessTimeout: Duration = Scenario.livenessTimeoutDefault
    /// The processor's prices per settlement currency (`fees:`; Stripe's by default).
    public var fees: FeeSchedule = .stripe
    /// How long an uncaptured card authorization holds (`authorization_validity`; Stripe: 7
    /// days). When set, the run sweeps expired authorizations as the processor's scheduler
    /// does, and a journey that never captures waits to see its authorization expire; nil keeps
    /// the processor's 7 days, which no run reaches, and sweeps nothing.
    public var authorizationValidity: Duration?
    /// Read traffic beside the payments (`reads:`); none by default.
    public var reads = ReadTraffic()
    /// The gateway's load shedder (`admission:`; `AdmissionStateMachine.Configuration.standard`
    /// by default).
    public var admission: AdmissionStateMachine.Configuration = .standard

    /// Long enough for what a healed system still does for a request in flight at the heal: a
    /// slow network answer and its inquiries and reversal (under 40 s), journal appends retried
    /// with backoff (about 40 s), clients backing off from refusals (about 30 s).
    public static let livenessTimeoutDefault: Duration = .seconds(120)
    /// Stripe holds a card authorization at most 31 days (some card types); 7 for most.
    public static let authorizationValidityMax: Duration = .seconds(31 * 86_400)
    /// A bound longer than this is a hang by another name.
    public static let livenessTimeoutMax: Duration = .seconds(86_400)

    /// The run's length: the sum of the load profile's stages.
    public var duration: Duration { load.duration }

    /// Compresses or stretches the whole stage profile to `duration`, keeping its shape (a
    /// shortened Black Friday still ramps to its peak).
    public func withDuration(_ duration: Duration) -> Scenario {
        var copy = self
        copy.load = load.stretched(to: duration)
        return copy
    }

    /// Multiplies every arrival rate by `factor`: the payments' and the reads'.
    public func scaled(by factor: Double) -> Scenario {
        var copy = self
        copy.load = load.scaled(by: factor)
        copy.reads = reads.scaled(by: factor)
        return copy
    }
}

/// The merchants of a run.
public struct MerchantPopulation: Sendable, Equatable {
    public static let countMax = 500_000
    public var count: Int
    /// Settlement currencies and their shares (sum to 1).
    public var currencies: [(currency: Currency, share: Double)]
    public var webhookEndpoint: EndpointBehaviour
    /// When the merchants are onboarded: all of them before the load starts, or each by its
    /// first payment's journey.
    public var onboarding: MerchantOnboarding = .onFirstPayment

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.count == rhs.count && lhs.webhookEndpoint == rhs.webhookEndpoint
            && lhs.onboarding == rhs.onboarding
            && lhs.currencies.elementsEqual(rhs.currencies) {
                $0.currency == $1.currency && $0.share == $1.share
            }
    }
}

/// How the simulated merchant webhook endpoints behave.
public struct EndpointBehaviour: Sendable, Equatable {
    public var failureRate: Double
    public var latency: LatencySpec
    public init(failureRate: Double = 0.01, latency: LatencySpec = .init(medianMilliseconds: 40, sigma: 0.5))
    {
        self.failureRate = failureRate
        self.latency = latency
    }
}

/// A log-normal latency: median and the standard deviation of its logarithm.
public struct LatencySpec: Sendable, Equatable {
    public var medianMilliseconds: Double
    public var sigma: Double
    public init(medianMilliseconds: Double, sigma: Double) {
        self.medianMilliseconds = medianMilliseconds
        self.sigma = sigma
    }
}

/// One card network (or the bank rail) as the scenario configures it.
public struct NetworkSpec: Sendable, Equatable {
    /// A card scheme: a scenario configures the bank rail through its mix, not here.
    public var name: PaymentNetwork
    /// Share of card payments routed to this network (by card brand).
    public var share: Double
    public var latency: LatencySpec
    public var declineRate: Double
    public var timeoutRate: Double
}
