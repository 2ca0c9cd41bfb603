import Ledger
import Services
import Testing

@testable import Scenarios

/// The scenario's faults as a run over the wire switches them: webhook faults on the receiver,
/// network faults through the admin route, each at its moment; what has no route is listed.
@Suite struct WireFaultInjectorTests {
    static let text = """
        name: wire-faults
        seed: 3
        load:
          start_tps: 10
          stages:
            - hold: 10s
        faults:
          - {kind: network_outage, target: visa, start: 1s, duration: 2s}
          - {kind: webhook_endpoint_down, target: all, start: 4s, duration: 1s}
          - {kind: journal_slow_sync, start: 0s, duration: 2s, added_latency_ms: 30}
        """

    struct Recorder: WebhookWitness, ServerFaultControl {
        func setMode(_ mode: FaultPlan.EndpointMode) {}
        func settle(grace: Duration) async {}
        func verdict(audit: TargetAudit?) -> WebhookVerdict {
            WebhookVerdict(figures: .init(), latencyMilliseconds: LatencyHistogram().summary, checks: [])
        }
        func setNetworkOutage(_ network: PaymentNetwork, down: Bool) async -> Bool { true }
        func setNetworkFault(_ network: PaymentNetwork, _ fault: NetworkFault) async -> Bool { true }
    }

    @Test func faultsBecomeStepsAtTheirMomentsAndTheRestIsListed() throws {
        let scenario = try ScenarioParser.parse(Self.text, file: "w.yaml")
        let injector = WireFaultInjector(
            plan: FaultPlan(scenario), loadEnd: scenario.duration, webhooks: Recorder(), server: Recorder())
        let steps = injector.timeline.map { step -> String in
            switch step.step {
            case .outage(let network, let down): "\(step.at) \(network) \(down ? "down" : "up")"
            case .webhooks(let mode): "\(step.at) webhooks \(mode)"
            case .network(let network, _): "\(step.at) \(network) fault"
            }
        }
        #expect(
            steps == [
                "1.0 seconds visa down", "3.0 seconds visa up", "4.0 seconds webhooks down",
                "5.0 seconds webhooks normal",
            ])
        #expect(injector.notInjected.count == 1)
        #expect(injector.notInjected.first?.contains("journal_slow_sync") == true)
    }

    @Test func withoutAReceiverOrAnAdminRouteNothingIsSwitchedAndAllIsListed() throws {
        let scenario = try ScenarioParser.parse(Self.text, file: "w.yaml")
        let injector = WireFaultInjector(
            plan: FaultPlan(scenario), loadEnd: scenario.duration, webhooks: nil, server: nil)
        #expect(injector.timeline.isEmpty)
        #expect(injector.notInjected.count == 3)
    }
}
