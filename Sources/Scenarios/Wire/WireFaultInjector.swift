import Ledger
import PaystormRuntime
import Services
import Synchronization

/// The scenario's faults over the wire: webhook faults set the runner's receiver's mode, and
/// card-network faults (outages, flapping errors, timeouts, latency) are switched through the
/// server's admin route, each at its moment of the load. What cannot be injected from outside
/// (crashes, journal faults, clock skew of the system) is listed instead.
final class WireFaultInjector: Sendable {
    enum Step: Sendable {
        case webhooks(FaultPlan.EndpointMode)
        case outage(PaymentNetwork, down: Bool)
        case network(PaymentNetwork, NetworkFault)
    }

    let timeline: [(at: Duration, step: Step)]
    let notInjected: [String]
    private let webhooks: (any WebhookWitness)?
    private let server: (any ServerFaultControl)?
    private let networksTouched: Set<PaymentNetwork>
    private let counts = Mutex((switched: 0, refused: 0))

    init(
        plan: FaultPlan, loadEnd: Duration, webhooks: (any WebhookWitness)?, server: (any ServerFaultControl)?
    ) {
        self.webhooks = webhooks
        self.server = server
        var timeline: [(at: Duration, step: Step)] = []
        var notInjected: [String] = []
        var touched: Set<PaymentNetwork> = []
        // The receiver plays one endpoint for every merchant: its faults are endpoint 0's.
        if webhooks != nil {
            for change in plan.endpointChanges(loadEnd: loadEnd, endpoints: 1) {
                timeline.append((change.at, .webhooks(change.modes[0] ?? .normal)))
            }
        }
        if server != nil {
            for (network, windows) in plan.networkDowntime(loadEnd: loadEnd) {
                touched.insert(network)
                for window in windows {
                    timeline.append((window.lowerBound, .outage(network, down: true)))
                    timeline.append((window.upperBound, .outage(network, down: false)))
                }
            }
            // Whole-run timeouts and latency hold from the start, under the scheduled ones.
            var baseline: [PaymentNetwork: NetworkFault] = [:]
            for fault in plan.faults
            where (fault.kind == .networkTimeouts || fault.kind == .networkLatency) && !fault.isScheduled {
                let effect =
                    fault.kind == .networkTimeouts
                    ? NetworkFault(timeoutRate: fault.rate)
                    : NetworkFault(addedLatency: .nanoseconds(Int64(fault.addedLatencyMs * 1_000_000)))
                for kind in PaymentNetwork.cards where fault.hits(kind) {
                    baseline[kind] = (baseline[kind] ?? .healthy).merged(with: effect)
                }
            }
            for (network, fault) in baseline {
                touched.insert(network)
                timeline.append((.zero, .network(network, fault)))
            }
            var previous: Set<PaymentNetwork> = []
            for change in plan.networkFaultChanges(loadEnd: loadEnd) {
                for network in previous.union(change.faults.keys) {
                    let fault = (baseline[network] ?? .healthy).merged(
                        with: change.faults[network] ?? .healthy)
                    timeline.append((change.at, .network(network, fault)))
                }
                previous = Set(change.faults.keys)
                touched.formUnion(previous)
            }
        }
        for fault in plan.faults {
            switch fault.kind {
            case .networkOutage, .networkErrors, .networkTimeouts, .networkLatency:
                if server == nil { notInjected.append("\(fault) (no admin fault route)") }
            case .webhookEndpointDown, .webhookEndpointErrors, .webhookEndpointSlow:
                if webhooks == nil { notInjected.append("\(fault) (no webhook receiver)") }
            case .clockSkew where fault.kind.targetsEndpoints:
                if webhooks == nil { notInjected.append("\(fault) (no webhook receiver)") }
            default:
                notInjected.append("\(fault) (no admin route for it)")
            }
        }
        self.timeline = timeline.enumerated().sorted {
            ($0.element.at, $0.offset) < ($1.element.at, $1.offset)
        }
        .map(\.element)
        self.notInjected = notInjected
        networksTouched = touched
    }

    var switched: Int { counts.withLock { $0.switched } }
    var refused: Int { counts.withLock { $0.refused } }

    /// Applies each step at its moment of the load.
    func run(runtime: any Runtime, start: SimTime) async {
        for (at, step) in timeline {
            if runtime.now() < start + at { try? await runtime.sleep(until: start + at) }
            await apply(step)
        }
    }

    /// Every fault off: the receiver answers normally, every network touched is healthy.
    func heal() async {
        webhooks?.setMode(.normal)
        for network in networksTouched.sorted(by: { $0.rawValue < $1.rawValue }) {
            await apply(.outage(network, down: false))
            await apply(.network(network, .healthy))
        }
    }

    private func apply(_ step: Step) async {
        var taken = true
        switch step {
        case .webhooks(let mode): webhooks?.setMode(mode)
        case .outage(let network, let down):
            taken = await server?.setNetworkOutage(network, down: down) ?? false
        case .network(let network, let fault): taken = await server?.setNetworkFault(network, fault) ?? false
        }
        counts.withLock {
            if taken { $0.switched += 1 } else { $0.refused += 1 }
        }
    }
}
