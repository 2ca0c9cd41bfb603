import Core
import Ledger
import PaystormRuntime
import Services

/// Switches a `FaultPlan`'s windowed faults on and off during a run, then heals everything.
///
/// One task, started through the runtime, sleeps to each moment of the plan and applies it
/// (network outages through `CardNetwork.setOutage`, webhook faults by pointing merchants at
/// misbehaving endpoints). `heal()` ends the safety phase: it stops that task, waits for it,
/// and only then brings every network up and every merchant back to its own endpoint, so a
/// late step cannot break something after the heal.
public final class FaultSchedule: Sendable {
    enum Step: Sendable, CustomStringConvertible {
        case network(PaymentNetwork, down: Bool)
        case networkFault(PaymentNetwork, NetworkFault)
        case endpoints([Int: FaultPlan.EndpointMode])
        case journalLatency(Duration)
        case journalFailures(Double)

        /// Stable text for the trace (endpoints by index: a dictionary's order varies by process).
        var description: String {
            switch self {
            case .network(let kind, let down):
                return "\(kind.rawValue) \(down ? "down" : "up")"
            case .networkFault(let kind, let fault):
                return
                    "\(kind.rawValue) timeout_rate \(fault.timeoutRate) added_latency_ns \(fault.addedLatency.nanoseconds)"
            case .endpoints(let modes):
                let text = modes.sorted { $0.key < $1.key }.map { "endpoint-\($0.key) \($0.value)" }
                return text.isEmpty ? "endpoints normal" : text.joined(separator: ", ")
            case .journalLatency(let added):
                return "journal added_latency_ns \(added.nanoseconds)"
            case .journalFailures(let rate):
                return "journal failure_rate \(rate)"
            }
        }
    }

    private let system: PaymentSystem
    private let runtime: any Runtime
    private let switchboard: EndpointSwitchboard
    private let task: Task<Void, Never>?
    private let networksTouched: [PaymentNetwork]
    private let networksFaulted: [PaymentNetwork]
    private let endpointsTouched: Bool
    private let journal: ChaosJournal?

    /// Starts the schedule at the runtime's current time, which counts as the run's start.
    /// - Parameters:
    ///   - loadEnd: when the load ends; windows without an end close there.
    ///   - journal: the run's journal, which journal faults slow (none: they do nothing).
    public init(
        plan: FaultPlan, system: PaymentSystem, runtime: any Runtime, loadEnd: Duration,
        journal: ChaosJournal? = nil
    ) {
        self.system = system
        self.journal = journal
        self.runtime = runtime
        let switchboard = EndpointSwitchboard(system: system, runtime: runtime)
        self.switchboard = switchboard
        let steps = Self.steps(plan, loadEnd: loadEnd, endpoints: system.endpoints.count).filter {
            switch $0.step {
            case .journalLatency, .journalFailures: journal != nil
            default: true
            }
        }
        networksTouched = Array(
            Set(steps.compactMap { if case .network(let kind, _) = $0.step { kind } else { nil } })
        )
        .sorted { $0.rawValue < $1.rawValue }
        networksFaulted = Array(
            Set(steps.compactMap { if case .networkFault(let kind, _) = $0.step { kind } else { nil } })
        )
        .sorted { $0.rawValue < $1.rawValue }
        endpointsTouched = steps.contains { if case .endpoints = $0.step { true } else { false } }
        guard !steps.isEmpty else {
            task = nil
            return
        }
        let origin = runtime.now()
        task = runtime.spawn {
            for (offset, step) in steps {
                do {
                    try await runtime.sleep(until: origin + offset)
                } catch {
                    return
                }
                EventTrace.record(runtime.now(), "faults", "step", ["step": "\(step)"])
                await Self.apply(step, system: system, switchboard: switchboard, journal: journal)
            }
        }
    }

    /// The plan's moments in order; at one moment, networks before endpoints, by name.
    static func steps(_ plan: FaultPlan, loadEnd: Duration, endpoints: Int) -> [(at: Duration, step: Step)] {
        var steps: [(at: Duration, step: Step, order: Int)] = []
        let downtime = plan.networkDowntime(loadEnd: loadEnd)
        for (index, kind) in PaymentNetwork.allCases.enumerated() {
            for window in downtime[kind] ?? [] {
                steps.append((window.lowerBound, .network(kind, down: true), index))
                steps.append((window.upperBound, .network(kind, down: false), index))
            }
        }
        for change in plan.networkFaultChanges(loadEnd: loadEnd) {
            for (index, kind) in PaymentNetwork.allCases.enumerated() {
                let before = steps.last { if case .networkFault(kind, _) = $0.step { true } else { false } }
                let fault = change.faults[kind] ?? .healthy
                if before == nil && fault == .healthy { continue }
                if case .networkFault(_, let previous) = before?.step, previous == fault { continue }
                steps.append((change.at, .networkFault(kind, fault), index))
            }
        }
        for change in plan.endpointChanges(loadEnd: loadEnd, endpoints: endpoints) {
            steps.append((change.at, .endpoints(change.modes), PaymentNetwork.allCases.count))
        }
        for change in plan.journalLatencyChanges(loadEnd: loadEnd) {
            steps.append((change.at, .journalLatency(change.added), PaymentNetwork.allCases.count + 1))
        }
        for change in plan.journalFailureChanges(loadEnd: loadEnd) {
            steps.append((change.at, .journalFailures(change.rate), PaymentNetwork.allCases.count + 2))
        }
        return steps.enumerated()
            .sorted {
                ($0.element.at, $0.element.order, $0.offset) < ($1.element.at, $1.element.order, $1.offset)
            }
            .map { ($0.element.at, $0.element.step) }
    }

    private static func apply(
        _ step: Step, system: PaymentSystem, switchboard: EndpointSwitchboard, journal: ChaosJournal?
    ) async {
        switch step {
        case .network(let kind, let down):
            system.networks[kind]?.setOutage(down)
        case .networkFault(let kind, let fault):
            // The plan's rates are within 0...1 and its latencies non-negative (the parser's
            // bounds), so the hook cannot refuse them.
            try? system.networks[kind]?.setFault(fault)
        case .endpoints(let modes):
            await switchboard.apply(modes)
        case .journalLatency(let added):
            journal?.addedLatency = added
        case .journalFailures(let rate):
            journal?.failureRate = rate
        }
    }

    /// Tells the schedule that a merchant was onboarded: while a webhook fault holds its
    /// endpoint, it is pointed at the faulty stand-in as the merchants before it were.
    public func merchantOnboarded(_ merchant: MerchantID) async {
        guard endpointsTouched else { return }
        await switchboard.place(merchant)
    }

    /// Ends the safety phase: no fault switches on after this returns, every network is up and
    /// every merchant is back on its own endpoint.
    public func heal() async {
        guard let task else { return }
        EventTrace.record(runtime.now(), "faults", "heal")
        task.cancel()
        await task.value
        for kind in networksTouched { system.networks[kind]?.setOutage(false) }
        for kind in networksFaulted { try? system.networks[kind]?.setFault(.healthy) }
        if endpointsTouched { await switchboard.apply([:]) }
        journal?.addedLatency = .zero
        journal?.failureRate = 0
    }
}

/// Points each onboarded merchant at the endpoint its mode asks for: its own one, or a
/// stand-in that refuses every request or fails at a rate. Stand-ins carry the merchant's secret
/// (merchants sharing an endpoint share its secret), so signatures still verify.
actor EndpointSwitchboard {
    private let system: PaymentSystem
    private let runtime: any Runtime
    private var standIns: [StandInKey: WebhookEndpoint] = [:]

    private struct StandInKey: Hashable {
        var index: Int
        var mode: FaultPlan.EndpointMode
    }

    /// Stand-in endpoints kept at most (each endpoint index has a handful of modes).
    static let standInsMax = 4_096

    init(system: PaymentSystem, runtime: any Runtime) {
        self.system = system
        self.runtime = runtime
    }

    /// The modes in force: a merchant onboarded while they hold is placed by them too.
    private var modes: [Int: FaultPlan.EndpointMode] = [:]

    func apply(_ modes: [Int: FaultPlan.EndpointMode]) async {
        // Set before any await: a merchant placed meanwhile already gets the new modes.
        self.modes = modes
        guard let webhooks = system.webhooks, !system.endpoints.isEmpty else { return }
        let accounts = await system.merchants.allAccounts()
        for account in accounts {
            let index = Int(account.id.rawValue % UInt64(system.endpoints.count))
            let endpoint = self.endpoint(index, modes[index] ?? .normal, secret: account.webhookSecret)
            try? webhooks.register(endpoint, secret: account.webhookSecret, for: account.id)
        }
    }

    /// Points a merchant onboarded after the last change at the endpoint the modes in force
    /// ask for (a merchant's own endpoint when no webhook fault holds its index).
    func place(_ merchant: MerchantID) async {
        guard let webhooks = system.webhooks, !system.endpoints.isEmpty,
            let account = await system.merchants.account(merchant)
        else { return }
        let index = Int(merchant.rawValue % UInt64(system.endpoints.count))
        // Read after the await: the modes may have changed while the account was looked up.
        guard let mode = modes[index] else { return }
        let endpoint = self.endpoint(index, mode, secret: account.webhookSecret)
        try? webhooks.register(endpoint, secret: account.webhookSecret, for: merchant)
    }

    private func endpoint(_ index: Int, _ mode: FaultPlan.EndpointMode, secret: String) -> WebhookEndpoint {
        let key = StandInKey(index: index, mode: mode)
        if let existing = standIns[key] { return existing }
        let settings = system.configuration.webhooks
        var configuration = WebhookEndpoint.Configuration(
            secret: secret, failureProbability: settings.failureProbability,
            latencyMedian: settings.latencyMedian)
        switch mode {
        case .normal:
            return system.endpoints[index]
        case .down:
            configuration.downtimes = [SimTime.zero..<SimTime(nanoseconds: .max)]
        case .failing(let rate):
            configuration.failureProbability = max(rate, settings.failureProbability)
        case .slow(let milliseconds):
            configuration.latencyMedian += .milliseconds(milliseconds)
        case .skewed(let seconds):
            configuration.clock = UnixClock(
                epochOffsetSeconds: UnixClock.standard.epochOffsetSeconds + seconds)
        }
        let endpoint = WebhookEndpoint(
            runtime: runtime, configuration: configuration,
            random: runtime.randomStream("fault-endpoint", UInt64(standIns.count)))
        if standIns.count < Self.standInsMax { standIns[key] = endpoint }
        return endpoint
    }
}
