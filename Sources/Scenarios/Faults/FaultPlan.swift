import Ledger
import PaystormRuntime
import Services

/// The faults one seed injects: which of the scenario's faults are switched on, at which rates,
/// and when each network and endpoint is broken.
///
/// Every draw comes from the scenario's seed (stream "faults"), never from the caller, so a plain
/// `paystorm run --seed N` and seed N of a swarm build the same plan: a failing swarm seed
/// replays exactly. Every fault consumes the same draws whether it is switched on or not, so
/// switching one fault off does not reshuffle the others.
public struct FaultPlan: Sendable, Equatable {
    /// One fault that is on for this seed, with its drawn values.
    public struct Fault: Sendable, Equatable, CustomStringConvertible {
        public var kind: FaultSpec.Kind
        public var target: FaultSpec.Target
        /// Offset from the start of the run.
        public var start: Duration
        /// Offset at which it heals; nil lasts until the load ends.
        public var end: Duration?
        public var rate: Double
        public var addedLatencyMs: Double
        /// Whole seconds a skewed clock is ahead (negative: behind).
        public var skewSeconds: Int64 = 0
        /// Bounds of a crashed service's downtime (`service_crash`; drawn in `serviceCrashes`).
        public var restartAfter: ClosedRange<Duration> =
            FaultSpec.restartAfterDefault...FaultSpec.restartAfterDefault

        public var description: String {
            var text = "\(kind.rawValue) \(target)"
            if isScheduled {
                text += " from \(DurationText.format(start))"
                text += end.map { " to \(DurationText.format($0))" } ?? " to the end of the load"
            }
            if kind.usesRate { text += " rate \(Self.fixed(rate))" }
            if kind.addsLatency { text += " +\(Int(addedLatencyMs.rounded())) ms" }
            if kind == .clockSkew { text += " skew \(skewSeconds) s" }
            if kind == .serviceCrash {
                text += " restart after \(DurationText.format(restartAfter.lowerBound))"
                if restartAfter.upperBound > restartAfter.lowerBound {
                    text += "...\(DurationText.format(restartAfter.upperBound))"
                }
            }
            return text
        }

        static func fixed(_ value: Double) -> String {
            let thousandths = Int((value * 1_000).rounded())
            let fraction = String(thousandths % 1_000)
            return "\(thousandths / 1_000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
        }

        /// Whether the fault schedule switches it on and off (rather than the configuration
        /// holding it for the whole load).
        public var isScheduled: Bool { kind.isWindowed || start > .zero || end != nil }

        /// Whether this fault hits the card network `network`.
        func hits(_ network: PaymentNetwork) -> Bool {
            guard kind.targetsNetworks else { return false }
            return target == .all || target == .network(network)
        }
    }

    /// Length of one flap of a `network_errors` fault: each slot is down or up as a whole.
    public static let flapSlot: Duration = .milliseconds(250)
    /// Flap slots drawn per fault at most (bounds the schedule of a long window).
    public static let flapSlotsMax = 100_000

    public let seed: UInt64
    public let faults: [Fault]

    /// Draws the plan of `scenario.seed` from the scenario's fault bounds.
    public init(_ scenario: Scenario) {
        seed = scenario.seed
        var random = RandomStream(seed: scenario.seed).derived("faults")
        var faults: [Fault] = []
        for spec in scenario.faults {
            let on = random.nextUnit() < spec.enabledProbability
            let rate = Self.draw(spec.rate, &random)
            let latency = Self.draw(spec.addedLatencyMs, &random)
            // Only clock skews draw a skew: the plans of files without one stay as they were.
            let skew = spec.kind == .clockSkew ? Self.draw(spec.skewSeconds, &random) : 0
            guard on else { continue }
            faults.append(
                Fault(
                    kind: spec.kind, target: spec.target, start: spec.start,
                    end: spec.duration.map { spec.start + $0 }, rate: rate, addedLatencyMs: latency,
                    skewSeconds: Int64(skew.rounded()), restartAfter: spec.restartAfter))
        }
        self.faults = faults
    }

    private static func draw(_ range: ClosedRange<Double>, _ random: inout RandomStream) -> Double {
        let unit = random.nextUnit()
        return range.lowerBound + (range.upperBound - range.lowerBound) * unit
    }

    /// One line naming every fault that is on.
    public var summary: String {
        faults.isEmpty ? "no faults" : faults.map(\.description).joined(separator: "; ")
    }

    // MARK: Whole-run faults

    /// The scenario with its traffic faults applied (a client retry storm raises the share of
    /// requests resent with the same idempotency key).
    public func applying(to scenario: Scenario) -> Scenario {
        var copy = scenario
        for fault in faults where fault.kind == .clientRetryStorm {
            copy.mix.clientRetryRate = max(copy.mix.clientRetryRate, fault.rate)
        }
        return copy
    }

    /// The system configuration with the network faults that have no runtime switch (timeouts,
    /// added latency) and the outage mode of flapping networks. Networks no fault touches keep
    /// their configuration exactly, so a run without faults is the run it always was.
    public func configure(_ configuration: PaymentSystemConfiguration) -> PaymentSystemConfiguration {
        var copy = configuration
        for kind in PaymentNetwork.cards {
            let hitting = faults.filter {
                $0.hits(kind) && ($0.kind.isWindowed || !$0.isScheduled)
            }
            guard !hitting.isEmpty else { continue }
            var behaviour = copy.networks[kind] ?? .standard(for: kind)
            for fault in hitting {
                switch fault.kind {
                case .networkTimeouts:
                    behaviour.timeoutRate = max(behaviour.timeoutRate, fault.rate)
                case .networkLatency:
                    behaviour.latencyMedian += .nanoseconds(Int64(fault.addedLatencyMs * 1_000_000))
                    behaviour.latencyMax = max(behaviour.latencyMax, behaviour.latencyMedian)
                default:
                    break
                }
            }
            let flaps = hitting.contains { $0.kind == .networkErrors }
            let outage = hitting.contains { $0.kind == .networkOutage }
            if flaps && !outage { behaviour.outageMode = .failFast }
            copy.networks[kind] = behaviour
        }
        return copy
    }

    // MARK: Windows

    /// When each card network is down, merged per network, as offsets from the run's start;
    /// windows without an end close at `loadEnd`.
    public func networkDowntime(loadEnd: Duration) -> [PaymentNetwork: [Range<Duration>]] {
        var flaps = RandomStream(seed: seed).derived("fault-flaps")
        var windows: [PaymentNetwork: [Range<Duration>]] = [:]
        for fault in faults where fault.kind == .networkOutage || fault.kind == .networkErrors {
            let end = min(fault.end ?? loadEnd, loadEnd)
            guard fault.start < end else { continue }
            var down: [Range<Duration>] = []
            if fault.kind == .networkOutage {
                down.append(fault.start..<end)
            } else {
                var slot = fault.start
                var slots = 0
                while slot < end, slots < Self.flapSlotsMax {
                    let next = min(slot + Self.flapSlot, end)
                    if flaps.nextUnit() < fault.rate { down.append(slot..<next) }
                    slot = next
                    slots += 1
                }
            }
            for network in PaymentNetwork.cards where fault.hits(network) {
                windows[network, default: []] += down
            }
        }
        return windows.mapValues(Self.merged)
    }

    static func merged(_ ranges: [Range<Duration>]) -> [Range<Duration>] {
        var result: [Range<Duration>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = result.last, range.lowerBound <= last.upperBound {
                result[result.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                result.append(range)
            }
        }
        return result
    }

    /// The scheduled timeout and latency faults as moments at which a network's fault hook
    /// changes, each with the fault of every network it touches from then on (a network absent
    /// is back to `.healthy`); windows without an end close at `loadEnd`.
    public func networkFaultChanges(
        loadEnd: Duration
    ) -> [(at: Duration, faults: [PaymentNetwork: NetworkFault])] {
        let scheduled = faults.filter {
            ($0.kind == .networkTimeouts || $0.kind == .networkLatency) && $0.isScheduled
                && $0.start < min($0.end ?? loadEnd, loadEnd)
        }
        guard !scheduled.isEmpty else { return [] }
        var moments = Set<Duration>()
        for fault in scheduled {
            moments.insert(fault.start)
            moments.insert(min(fault.end ?? loadEnd, loadEnd))
        }
        var changes: [(at: Duration, faults: [PaymentNetwork: NetworkFault])] = []
        for moment in moments.sorted() {
            var now: [PaymentNetwork: NetworkFault] = [:]
            for fault in scheduled where fault.start <= moment && moment < min(fault.end ?? loadEnd, loadEnd)
            {
                let effect =
                    fault.kind == .networkTimeouts
                    ? NetworkFault(timeoutRate: fault.rate)
                    : NetworkFault(addedLatency: .nanoseconds(Int64(fault.addedLatencyMs * 1_000_000)))
                for network in PaymentNetwork.cards where fault.hits(network) {
                    now[network] = (now[network] ?? .healthy).merged(with: effect)
                }
            }
            if changes.last?.faults != now { changes.append((moment, now)) }
        }
        return changes
    }

    /// When the journal's appends are slowed, as moments at which the added latency changes
    /// (zero: back to normal); overlapping faults add up. Windows without an end close at
    /// `loadEnd`.
    public func journalLatencyChanges(loadEnd: Duration) -> [(at: Duration, added: Duration)] {
        let slow = faults.filter { $0.kind == .journalSlowSync && $0.start < min($0.end ?? loadEnd, loadEnd) }
        var moments = Set<Duration>()
        for fault in slow {
            moments.insert(fault.start)
            moments.insert(min(fault.end ?? loadEnd, loadEnd))
        }
        var changes: [(at: Duration, added: Duration)] = []
        for moment in moments.sorted() {
            var added = Duration.zero
            for fault in slow where fault.start <= moment && moment < min(fault.end ?? loadEnd, loadEnd) {
                added += .nanoseconds(Int64(fault.addedLatencyMs * 1_000_000))
            }
            if changes.last?.added != added { changes.append((moment, added)) }
        }
        return changes
    }

    /// When the journal's appends fail, as moments at which the failure rate changes (zero: back
    /// to normal); overlapping faults take the highest rate. Windows without an end close at
    /// `loadEnd`.
    public func journalFailureChanges(loadEnd: Duration) -> [(at: Duration, rate: Double)] {
        let failing = faults.filter {
            $0.kind == .journalFailingSync && $0.start < min($0.end ?? loadEnd, loadEnd)
        }
        var moments = Set<Duration>()
        for fault in failing {
            moments.insert(fault.start)
            moments.insert(min(fault.end ?? loadEnd, loadEnd))
        }
        var changes: [(at: Duration, rate: Double)] = []
        for moment in moments.sorted() {
            var rate = 0.0
            for fault in failing where fault.start <= moment && moment < min(fault.end ?? loadEnd, loadEnd) {
                rate = max(rate, fault.rate)
            }
            if changes.last?.rate != rate { changes.append((moment, rate)) }
        }
        return changes
    }

    /// Whether a fault needs the run to journal: a journal fault is on for this seed, or a
    /// service crash, whose restart rebuilds from the journal. Scenario files name no journal
    /// (it is the command line's `--journal`), so the runner journals in memory rather than
    /// the parser refusing the file.
    public var needsJournal: Bool { faults.contains { $0.kind.targetsJournal || $0.kind == .serviceCrash } }

    /// What a merchant endpoint does while a webhook fault holds it.
    public enum EndpointMode: Hashable, Sendable, CustomStringConvertible {
        case normal
        case down
        case failing(Double)
        /// Answers, this many milliseconds later than it would.
        case slow(Int64)
        /// Answers normally, but its clock is this many seconds ahead (negative: behind).
        case skewed(Int64)

        public var description: String {
            switch self {
            case .normal: "normal"
            case .down: "down"
            case .failing(let rate): "failing \(Fault.fixed(rate))"
            case .slow(let milliseconds): "slow +\(milliseconds) ms"
            case .skewed(let seconds): "skewed \(seconds) s"
            }
        }
    }

    /// The webhook faults as a list of moments at which the endpoints' modes change, each with
    /// the mode of every faulty endpoint from then on (indices absent are normal).
    public func endpointChanges(
        loadEnd: Duration, endpoints: Int
    ) -> [(at: Duration, modes: [Int: EndpointMode])] {
        let webhook = faults.filter {
            $0.kind.targetsEndpoints && $0.start < min($0.end ?? loadEnd, loadEnd)
        }
        guard !webhook.isEmpty, endpoints > 0 else { return [] }
        var moments = Set<Duration>()
        for fault in webhook {
            moments.insert(fault.start)
            moments.insert(min(fault.end ?? loadEnd, loadEnd))
        }
        var changes: [(at: Duration, modes: [Int: EndpointMode])] = []
        for moment in moments.sorted() {
            var modes: [Int: EndpointMode] = [:]
            for fault in webhook where fault.start <= moment && moment < min(fault.end ?? loadEnd, loadEnd) {
                let indices: [Int] =
                    switch fault.target {
                    case .endpoint(let index): index < endpoints ? [index] : []
                    default: Array(0..<endpoints)
                    }
                // Down beats failing beats slow beats skewed: an endpoint that refuses or fails a
                // delivery never gets to check its signature, and a slow one is slow either way.
                let slowMs = Int64(fault.addedLatencyMs.rounded())
                for index in indices {
                    switch (modes[index], fault.kind) {
                    case (.down, _), (_, .webhookEndpointDown): modes[index] = .down
                    case (.failing(let rate), .webhookEndpointErrors):
                        modes[index] = .failing(max(rate, fault.rate))
                    case (.failing, _): break
                    case (_, .webhookEndpointErrors): modes[index] = .failing(fault.rate)
                    case (.slow(let milliseconds), .webhookEndpointSlow):
                        modes[index] = .slow(max(milliseconds, slowMs))
                    case (.slow, _): break
                    case (_, .webhookEndpointSlow): modes[index] = .slow(slowMs)
                    case (.skewed(let seconds), _):
                        modes[index] = .skewed(
                            abs(fault.skewSeconds) > abs(seconds) ? fault.skewSeconds : seconds)
                    default: modes[index] = .skewed(fault.skewSeconds)
                    }
                }
            }
            if changes.last?.modes != modes { changes.append((moment, modes)) }
        }
        return changes
    }
}
