import Core
import PaystormRuntime
import Services
import Testing

@testable import Scenarios

/// Faults in scenario files: parsing and its errors, the seed's plan, and a schedule that
/// really breaks a network during its window and heals it.
@Suite struct FaultTests {
    static func scenario(faults: String, seed: UInt64 = 1) -> String {
        """
        name: faulty
        seed: \(seed)
        load:
          stages:
            - hold: 5s
        faults:
        \(faults)
        """
    }

    static func parseError(_ faults: String) -> ScenarioError? {
        do {
            _ = try ScenarioParser.parse(scenario(faults: faults), file: "f.yaml")
            return nil
        } catch {
            return error
        }
    }

    @Test func parsesEveryKindWithItsKeys() throws {
        let parsed = try ScenarioParser.parse(
            Self.scenario(
                faults: """
                      - {kind: network_outage, target: visa, start: 1s, duration: 2s}
                      - {kind: network_timeouts, rate: [0.1, 0.3], enabled: 0.25}
                      - {kind: network_latency, target: amex, added_latency_ms: 500}
                      - {kind: network_errors, target: mastercard, start: 0, rate: 0.5}
                      - {kind: webhook_endpoint_down, target: endpoint-3, start: 2s}
                      - {kind: webhook_endpoint_errors, rate: 0.4, duration: 1m}
                      - {kind: client_retry_storm, rate: 0.5}
                    """), file: "f.yaml")
        #expect(
            parsed.faults == [
                FaultSpec(
                    kind: .networkOutage, target: .network(.visa), start: .seconds(1), duration: .seconds(2)),
                FaultSpec(kind: .networkTimeouts, rate: 0.1...0.3, enabledProbability: 0.25),
                FaultSpec(kind: .networkLatency, target: .network(.amex), addedLatencyMs: 500...500),
                FaultSpec(kind: .networkErrors, target: .network(.mastercard), rate: 0.5...0.5),
                FaultSpec(kind: .webhookEndpointDown, target: .endpoint(3), start: .seconds(2)),
                FaultSpec(kind: .webhookEndpointErrors, duration: .seconds(60), rate: 0.4...0.4),
                FaultSpec(kind: .clientRetryStorm, rate: 0.5...0.5),
            ])
    }

    /// Each bad fault and the line, key and words its error must carry.
    @Test(arguments: [
        ("  - {kind: network_outag, target: visa}", "faults[0].kind", "did you mean 'network_outage'"),
        ("  - {kind: network_outage, rate: 0.5}", "faults[0].rate", "does not apply to network_outage"),
        ("  - {kind: network_timeouts}", "faults[0]", "missing required key 'rate'"),
        ("  - {kind: network_timeouts, rate: 0.1, start: 1s}", "faults[0].start", "whole load phase"),
        ("  - {kind: network_outage, target: discover}", "faults[0].target", "visa, mastercard, amex or all"),
        ("  - {kind: webhook_endpoint_down, target: endpoint-999}", "faults[0].target", "endpoint-N"),
        ("  - {kind: network_errors, rate: [0.5, 0.1]}", "faults[0].rate", "low <= high"),
        ("  - {kind: network_errors, rate: 1.5}", "faults[0].rate", "out of range"),
        ("  - {kind: network_outage, duration: soon}", "faults[0].duration", "expected a duration"),
        ("  - {kind: clock_skew}", "faults[0].kind", "not available"),
        ("  - {kind: network_outage, color: red}", "faults[0].color", "unknown key 'color'"),
        ("  - {kind: network_latency}", "faults[0]", "missing required key 'added_latency_ms'"),
    ])
    func badFaultsNameTheFileLineAndKey(fault: String, key: String, words: String) throws {
        let error = try #require(Self.parseError(fault))
        #expect(error.file == "f.yaml")
        #expect(error.line == 7)
        #expect(error.key == key)
        #expect(error.message.contains(words), "\(error)")
    }

    @Test func thePlanComesFromTheSeedAndStaysWithinBounds() throws {
        let text = Self.scenario(
            faults: """
                  - {kind: network_timeouts, rate: [0.1, 0.3], enabled: 0.25}
                  - {kind: network_outage, target: visa, start: 1s, duration: 2s}
                  - {kind: client_retry_storm, rate: 0.5, enabled: 0}
                """)
        var scenario = try ScenarioParser.parse(text, file: "f.yaml")
        var timeoutsOn = 0
        for seed in UInt64(1)...400 {
            scenario.seed = seed
            let plan = FaultPlan(scenario)
            #expect(plan == FaultPlan(scenario))
            #expect(plan.faults.contains { $0.kind == .networkOutage })
            #expect(!plan.faults.contains { $0.kind == .clientRetryStorm })
            if let timeouts = plan.faults.first(where: { $0.kind == .networkTimeouts }) {
                timeoutsOn += 1
                #expect((0.1...0.3).contains(timeouts.rate))
                let behaviour = try #require(plan.configure(PaymentSystemConfiguration()).networks[.visa])
                #expect(behaviour.timeoutRate == timeouts.rate)
            }
        }
        // A quarter of 400 seeds: 100 expected, sd about 8.7; 6 sd either side.
        #expect((48...152).contains(timeoutsOn))
    }

    @Test func flapsAndOutagesMergeIntoDownWindows() throws {
        let text = Self.scenario(
            faults: """
                  - {kind: network_outage, target: visa, start: 1s, duration: 2s}
                  - {kind: network_outage, target: all, start: 2s, duration: 2s}
                  - {kind: network_errors, target: amex, start: 0s, rate: 1}
                """)
        let plan = FaultPlan(try ScenarioParser.parse(text, file: "f.yaml"))
        let downtime = plan.networkDowntime(loadEnd: .seconds(5))
        #expect(downtime[.visa] == [Duration.seconds(1)..<Duration.seconds(4)])
        #expect(downtime[.mastercard] == [Duration.seconds(2)..<Duration.seconds(4)])
        #expect(downtime[.amex] == [Duration.zero..<Duration.seconds(5)])
        let configured = plan.configure(PaymentSystemConfiguration())
        #expect(configured.networks[.amex]?.outageMode == .timeout)
    }

    /// Authorizations on Visa time out while its outage window is open, and are approved
    /// before and after it; after `heal()` nothing is down.
    @Test(arguments: [UInt64(1), 2, 3])
    func anOutageBreaksAuthorizationsOnlyDuringItsWindow(seed: UInt64) throws {
        let text = Self.scenario(
            faults: "  - {kind: network_outage, target: visa, start: 1s, duration: 2s}", seed: seed)
        let scenario = try ScenarioParser.parse(text, file: "f.yaml")
        let plan = FaultPlan(scenario)
        var configuration = PaymentSystemConfiguration()
        configuration.networks[.visa] = NetworkBehaviour(
            latencyMedian: .milliseconds(100), declineRate: 0, fraudDeclineRate: 0, timeoutRate: 0)
        configuration = plan.configure(configuration)
        let runtime = DeterministicRuntime(seed: seed)
        let probes: [Duration] = [
            .milliseconds(500), .milliseconds(1_500), .milliseconds(2_900), .milliseconds(3_100), .seconds(4),
        ]
        let (answers, downAfterHeal) = try runtime.run { () async throws -> ([String], Bool) in
            let system = try PaymentSystem(runtime: runtime, configuration: configuration)
            let schedule = FaultSchedule(plan: plan, system: system, runtime: runtime, loadEnd: .seconds(5))
            let visa = try #require(system.networks[.visa])
            let results = ProbeAnswers()
            var tasks: [Task<Void, Never>] = []
            for (index, probe) in probes.enumerated() {
                tasks.append(
                    runtime.spawn {
                        try? await runtime.sleep(until: SimTime.zero + probe)
                        let request = AuthorizationRequest(
                            paymentID: PaymentID(UInt64(index + 1)),
                            amount: Money(minorUnits: 1_000, currency: .usd))
                        let answer = (try? await visa.authorize(request))?.description ?? "error"
                        await results.record(index, answer)
                    })
            }
            for task in tasks { await task.value }
            await schedule.heal()
            let recorded = await results.byIndex
            let answers = probes.indices.map { recorded[$0] ?? "missing" }
            return (answers, await visa.isDown)
        }
        #expect(answers[0].hasPrefix("approved"), "\(answers)")
        #expect(answers[1] == "timed_out", "\(answers)")
        #expect(answers[2] == "timed_out", "\(answers)")
        #expect(answers[3].hasPrefix("approved"), "\(answers)")
        #expect(answers[4].hasPrefix("approved"), "\(answers)")
        #expect(!downAfterHeal)
    }

    /// Whole runs: lost network answers end as processing errors after inquiry or reversal,
    /// and a webhook outage makes the dispatcher retry; every invariant still holds.
    @Test func faultsChangeWhatARunSeesAndInvariantsHold() async throws {
        let base = """
            name: effects
            seed: 5
            merchants: {count: 20, currencies: {USD: 1}}
            load:
              start_tps: 40
              stages:
                - hold: 4s
            """
        let faults = """

            faults:
              - {kind: network_timeouts, rate: 0.3}
              - {kind: webhook_endpoint_down, start: 1s, duration: 2s}
            """
        let quiet = try await ScenarioRunner.run(
            try ScenarioParser.parse(base, file: "q.yaml"), mode: .simulated)
        let faulty = try await ScenarioRunner.run(
            try ScenarioParser.parse(base + faults, file: "f.yaml"), mode: .simulated)
        #expect(quiet.invariantsHold)
        #expect(faulty.invariantsHold, "\(faulty.invariants.filter { !$0.holds })")
        #expect(quiet.declines["processing_error", default: 0] == 0)
        #expect(faulty.declines["processing_error", default: 0] > 0)
        #expect(faulty.webhooks.retried > quiet.webhooks.retried + 50)
    }

    @Test func webhookFaultsBecomeEndpointModeChanges() throws {
        let text = Self.scenario(
            faults: """
                  - {kind: webhook_endpoint_down, target: endpoint-2, start: 1s, duration: 2s}
                  - {kind: webhook_endpoint_errors, rate: 0.5, start: 2s}
                """)
        let plan = FaultPlan(try ScenarioParser.parse(text, file: "f.yaml"))
        let changes = plan.endpointChanges(loadEnd: .seconds(5), endpoints: 4)
        #expect(changes.map(\.at) == [.seconds(1), .seconds(2), .seconds(3), .seconds(5)])
        #expect(changes[0].modes == [2: .down])
        #expect(changes[1].modes == [0: .failing(0.5), 1: .failing(0.5), 2: .down, 3: .failing(0.5)])
        #expect(changes[2].modes == [0: .failing(0.5), 1: .failing(0.5), 2: .failing(0.5), 3: .failing(0.5)])
        #expect(changes[3].modes == [:])
    }
}

/// Answers of probes that run concurrently, by probe index.
actor ProbeAnswers {
    var byIndex: [Int: String] = [:]
    func record(_ index: Int, _ answer: String) { byIndex[index] = answer }
}
