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
    enum Step: Sendable {
        case network(CardNetworkKind, down: Bool)
        case endpoints([Int: FaultPlan.EndpointMode])
    }

    private let system: PaymentSystem
    private let switchboard: EndpointSwitchboard
    private let task: Task<Void, Never>?
    private let networksTouched: [CardNetworkKind]
    private let endpointsTouched: Bool

    /// Starts the schedule at the runtime's current time, which counts as the run's start.
    /// - Parameter loadEnd: when the load ends; windows without an end close there.
    public init(plan: FaultPlan, system: PaymentSystem, runtime: any Runtime, loadEnd: Duration) {
        self.system = system
        let switchboard = EndpointSwitchboard(system: system, runtime: runtime)
        self.switchboard = switchboard
        let steps = Self.steps(plan, loadEnd: loadEnd, endpoints: system.endpoints.count)
        networksTouched = Array(
            Set(steps.compactMap { if case .network(let kind, _) = $0.step { kind } else { nil } })
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
                await Self.apply(step, system: system, switchboard: switchboard)
            }
        }
    }

    /// The plan's moments in order; at one moment, networks before endpoints, by name.
    static func steps(_ plan: FaultPlan, loadEnd: Duration, endpoints: Int) -> [(at: Duration, step: Step)] {
        var steps: [(at: Duration, step: Step, order: Int)] = []
        let downtime = plan.networkDowntime(loadEnd: loadEnd)
        for (index, kind) in CardNetworkKind.allCases.enumerated() {
            for window in downtime[kind] ?? [] {
                steps.append((window.lowerBound, .network(kind, down: true), index))
                steps.append((window.upperBound, .network(kind, down: false), index))
            }
        }
        for change in plan.endpointChanges(loadEnd: loadEnd, endpoints: endpoints) {
            steps.append((change.at, .endpoints(change.modes), CardNetworkKind.allCases.count))
        }
        return steps.enumerated()
            .sorted {
                ($0.element.at, $0.element.order, $0.offset) < ($1.element.at, $1.element.order, $1.offset)
            }
            .map { ($0.element.at, $0.element.step) }
    }

    private static func apply(_ step: Step, system: PaymentSystem, switchboard: EndpointSwitchboard) async {
        switch step {
        case .network(let kind, let down):
            await system.networks[kind]?.setOutage(down)
        case .endpoints(let modes):
            await switchboard.apply(modes)
        }
    }

    /// Ends the safety phase: no fault switches on after this returns, every network is up and
    /// every merchant is back on its own endpoint.
    public func heal() async {
        guard let task else { return }
        task.cancel()
        await task.value
        for kind in networksTouched { await system.networks[kind]?.setOutage(false) }
        if endpointsTouched { await switchboard.apply([:]) }
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

    func apply(_ modes: [Int: FaultPlan.EndpointMode]) async {
        guard let webhooks = system.webhooks, !system.endpoints.isEmpty else { return }
        let accounts = await system.merchants.allAccounts()
        for account in accounts {
            let index = Int(account.id.rawValue % UInt64(system.endpoints.count))
            let endpoint = self.endpoint(index, modes[index] ?? .normal, secret: account.webhookSecret)
            try? await webhooks.register(endpoint, secret: account.webhookSecret, for: account.id)
        }
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
        }
        let endpoint = WebhookEndpoint(
            runtime: runtime, configuration: configuration,
            random: runtime.randomStream("fault-endpoint", UInt64(standIns.count)))
        if standIns.count < Self.standInsMax { standIns[key] = endpoint }
        return endpoint
    }
}
