import Core
import Ledger
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
                      - {kind: clock_skew, target: endpoint-1, start: 1s, duration: 2s, skew_seconds: [-30, 400]}
                      - {kind: journal_slow_sync, target: journal, added_latency_ms: [5, 50]}
                      - {kind: network_timeouts, target: visa, start: 1s, duration: 2s, rate: 0.5}
                    """), file: "f.yaml")
        #expect(
            parsed.faults == [
                FaultSpec(
                    kind: .networkOutage, target: .network(.visa), start: .seconds(1), duration: .seconds(2)),
                FaultSpec(kind: .networkTimeouts, rate: 0.1...0.3, enabledProbability: 0.25),
                FaultSpec(
                    kind: .networkLatency, target: .network(.amex), addedLatencyMilliseconds: 500...500),
                FaultSpec(kind: .networkErrors, target: .network(.mastercard), rate: 0.5...0.5),
                FaultSpec(kind: .webhookEndpointDown, target: .endpoint(3), start: .seconds(2)),
                FaultSpec(kind: .webhookEndpointErrors, duration: .seconds(60), rate: 0.4...0.4),
                FaultSpec(kind: .clientRetryStorm, rate: 0.5...0.5),
                FaultSpec(
                    kind: .clockSkew, target: .endpoint(1), start: .seconds(1), duration: .seconds(2),
                    skewSeconds: -30...400),
                FaultSpec(kind: .journalSlowSync, addedLatencyMilliseconds: 5...50),
                FaultSpec(
                    kind: .networkTimeouts, target: .network(.visa), start: .seconds(1),
                    duration: .seconds(2),
                    rate: 0.5...0.5),
            ])
    }

    /// Each bad fault and the line, key and words its error must carry.
    @Test(arguments: [
        ("  - {kind: network_outag, target: visa}", "faults[0].kind", "did you mean 'network_outage'"),
        ("  - {kind: network_outage, rate: 0.5}", "faults[0].rate", "does not apply to network_outage"),
        ("  - {kind: network_timeouts}", "faults[0]", "missing required key 'rate'"),
        ("  - {kind: client_retry_storm, rate: 0.1, start: 1s}", "faults[0].start", "whole load phase"),
        ("  - {kind: network_outage, target: discover}", "faults[0].target", "visa, mastercard, amex or all"),
        ("  - {kind: webhook_endpoint_down, target: endpoint-999}", "faults[0].target", "endpoint-N"),
        ("  - {kind: network_errors, rate: [0.5, 0.1]}", "faults[0].rate", "low <= high"),
        ("  - {kind: network_errors, rate: 1.5}", "faults[0].rate", "out of range"),
        ("  - {kind: network_outage, duration: soon}", "faults[0].duration", "expected a duration"),
        ("  - {kind: journal_failing_sync}", "faults[0]", "missing required key 'rate'"),
        ("  - {kind: webhook_endpoint_slow}", "faults[0]", "missing required key 'added_latency_ms'"),
        (
            "  - {kind: webhook_endpoint_slow, added_latency_ms: 5, target: visa}", "faults[0].target",
            "endpoint-N"
        ),
        (
            "  - {kind: webhook_endpoint_slow, added_latency_ms: 5, rate: 0.5}", "faults[0].rate",
            "no probability"
        ),
        (
            "  - {kind: webhook_endpoint_slow, added_latency_ms: 90000}", "faults[0].added_latency_ms",
            "out of range"
        ),
        ("  - {kind: journal_failing_sync, rate: 1.5}", "faults[0].rate", "out of range"),
        ("  - {kind: journal_failing_sync, rate: 0.1, target: visa}", "faults[0].target", "the journal"),
        (
            "  - {kind: journal_failing_sync, rate: 0.1, added_latency_ms: 5}", "faults[0].added_latency_ms",
            "only network_latency"
        ),
        ("  - {kind: clock_skew}", "faults[0]", "missing required key 'skew_seconds'"),
        ("  - {kind: clock_skew, skew_seconds: 100000}", "faults[0].skew_seconds", "out of range"),
        ("  - {kind: clock_skew, skew_seconds: 400, target: visa}", "faults[0].target", "endpoint-N"),
        ("  - {kind: network_outage, skew_seconds: 5}", "faults[0].skew_seconds", "only clock_skew"),
        ("  - {kind: journal_slow_sync}", "faults[0]", "missing required key 'added_latency_ms'"),
        (
            "  - {kind: journal_slow_sync, added_latency_ms: 5, target: visa}", "faults[0].target",
            "the journal"
        ),
        ("  - {kind: journal_slow_sync, added_latency_ms: 5, rate: 0.5}", "faults[0].rate", "no probability"),
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
            return (answers, visa.isDown)
        }
        #expect(answers[0].hasPrefix("approved"), "\(answers)")
        #expect(answers[1] == "timed_out", "\(answers)")
        #expect(answers[2] == "timed_out", "\(answers)")
        #expect(answers[3].hasPrefix("approved"), "\(answers)")
        #expect(answers[4].hasPrefix("approved"), "\(answers)")
        #expect(!downAfterHeal)
    }

    /// A timeout window on Visa and a latency window on Mastercard, through the networks'
    /// fault hook: answers are lost (Visa) or 3 s slower (Mastercard) only between 1 s and 3 s;
    /// before, after, and after `heal()`, the networks behave as configured.
    @Test(arguments: [UInt64(1), 2, 3])
    func timeoutAndLatencyWindowsHoldOnlyDuringTheirWindow(seed: UInt64) throws {
        let text = Self.scenario(
            faults: """
                  - {kind: network_timeouts, target: visa, start: 1s, duration: 2s, rate: 1}
                  - {kind: network_latency, target: mastercard, start: 1s, duration: 2s, added_latency_ms: 3000}
                """, seed: seed)
        let plan = FaultPlan(try ScenarioParser.parse(text, file: "f.yaml"))
        #expect(plan.faults.allSatisfy { $0.isScheduled })
        var configuration = PaymentSystemConfiguration()
        for kind in [PaymentNetwork.visa, .mastercard] {
            configuration.networks[kind] = NetworkBehaviour(
                latencyMedian: .milliseconds(100), latencySigma: 0, declineRate: 0, fraudDeclineRate: 0,
                timeoutRate: 0)
        }
        // Scheduled faults leave the configuration alone: the hook applies them.
        #expect(plan.configure(configuration).networks == configuration.networks)
        let runtime = DeterministicRuntime(seed: seed)
        let probes: [Duration] = [
            .milliseconds(500), .milliseconds(1_500), .milliseconds(2_900), .milliseconds(3_100),
        ]
        let (answers, faultsAfterHeal) = try runtime.run { () async throws -> ([String], [NetworkFault]) in
            let system = try PaymentSystem(runtime: runtime, configuration: configuration)
            let schedule = FaultSchedule(plan: plan, system: system, runtime: runtime, loadEnd: .seconds(5))
            let visa = try #require(system.networks[.visa])
            let mastercard = try #require(system.networks[.mastercard])
            let results = ProbeAnswers()
            var tasks: [Task<Void, Never>] = []
            for (index, probe) in probes.enumerated() {
                for (offset, network) in [visa, mastercard].enumerated() {
                    tasks.append(
                        runtime.spawn {
                            try? await runtime.sleep(until: SimTime.zero + probe)
                            let sent = runtime.now()
                            let request = AuthorizationRequest(
                                paymentID: PaymentID(UInt64(index * 2 + offset + 1)),
                                amount: Money(minorUnits: 1_000, currency: .usd))
                            let answer = (try? await network.authorize(request))?.description ?? "error"
                            // Whole hundreds of milliseconds: 100 ms latency, 3 s added, 10 s timeout.
                            let took = Int(((runtime.now() - sent) / .milliseconds(100)).rounded()) * 100
                            let outcome = answer.hasPrefix("approved") ? "approved" : answer
                            await results.record(index * 2 + offset, "\(outcome) \(took) ms")
                        })
                }
            }
            for task in tasks { await task.value }
            await schedule.heal()
            let recorded = await results.byIndex
            return (
                (0..<probes.count * 2).map { recorded[$0] ?? "missing" },
                [visa.fault, mastercard.fault]
            )
        }
        // Visa: answers lost (after the 10 s timeout) inside the window only.
        #expect(answers[0] == "approved 100 ms", "\(answers)")
        #expect(answers[2] == "timed_out 10000 ms", "\(answers)")
        #expect(answers[4] == "timed_out 10000 ms", "\(answers)")
        #expect(answers[6] == "approved 100 ms", "\(answers)")
        // Mastercard: 3 s slower inside the window only.
        #expect(answers[1] == "approved 100 ms", "\(answers)")
        #expect(answers[3] == "approved 3100 ms", "\(answers)")
        #expect(answers[5] == "approved 3100 ms", "\(answers)")
        #expect(answers[7] == "approved 100 ms", "\(answers)")
        #expect(faultsAfterHeal == [.healthy, .healthy])
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

    /// A merchant endpoint whose clock runs ahead past the 300 s tolerance refuses signatures as
    /// too old, so the dispatcher retries; one just inside it accepts them. Every invariant holds
    /// and every event is delivered once the skew heals. A slow journal sync slows every answer.
    @Test func clockSkewAndSlowJournalSyncsChangeWhatARunSeesAndInvariantsHold() async throws {
        let base = """
            name: skew
            seed: 9
            merchants: {count: 20, currencies: {USD: 1}}
            load:
              start_tps: 40
              stages:
                - hold: 4s
            """
        func run(_ faults: String) async throws -> RunReport {
            try await ScenarioRunner.run(
                try ScenarioParser.parse(base + "\nfaults:\n" + faults, file: "s.yaml"), mode: .simulated)
        }
        let inside = try await run("  - {kind: clock_skew, start: 0s, duration: 3s, skew_seconds: 200}")
        let outside = try await run("  - {kind: clock_skew, start: 0s, duration: 3s, skew_seconds: 400}")
        let slow = try await run(
            "  - {kind: journal_slow_sync, start: 0s, duration: 4s, added_latency_ms: 400}")
        for (name, report) in [("inside", inside), ("outside", outside), ("slow", slow)] {
            #expect(report.invariantsHold, "\(name): \(report.invariants.filter { !$0.holds })")
            #expect(
                report.webhooks.pending == 0 && report.webhooks.deadLettered == 0,
                "\(name): \(report.webhooks)")
        }
        #expect(outside.webhooks.retried > inside.webhooks.retried + 100)
        // Each answer waits on at least one append (its acknowledgement) of 400 ms.
        #expect(slow.latencyMilliseconds.p50 > inside.latencyMilliseconds.p50 + 400)
    }

    /// Slow endpoints: past the dispatcher's 10 s attempt timeout every attempt in the window
    /// times out and is retried; each event is still delivered once the window heals.
    @Test func slowEndpointsTimeOutAttemptsAndEverythingIsStillDelivered() async throws {
        let base = """
            name: slow-endpoints
            seed: 4
            merchants: {count: 20, currencies: {USD: 1}}
            load:
              start_tps: 40
              stages:
                - hold: 4s
            """
        let quiet = try await ScenarioRunner.run(
            try ScenarioParser.parse(base, file: "q.yaml"), mode: .simulated)
        let slow = try await ScenarioRunner.run(
            try ScenarioParser.parse(
                base
                    + "\nfaults:\n  - {kind: webhook_endpoint_slow, start: 1s, duration: 2s, added_latency_ms: 15000}",
                file: "s.yaml"), mode: .simulated)
        #expect(slow.invariantsHold, "\(slow.invariants.filter { !$0.holds })")
        #expect(slow.webhooks.pending == 0 && slow.webhooks.deadLettered == 0, "\(slow.webhooks)")
        #expect(slow.webhooks.retried > quiet.webhooks.retried + 50, "\(slow.webhooks) vs \(quiet.webhooks)")
        let plan = FaultPlan(
            try ScenarioParser.parse(
                Self.scenario(
                    faults: "  - {kind: webhook_endpoint_slow, target: endpoint-2, added_latency_ms: 800}"),
                file: "f.yaml"))
        let changes = plan.endpointChanges(loadEnd: .seconds(5), endpoints: 4)
        #expect(changes.first?.modes == [2: .slow(800)])
    }

    @Test func clockSkewsBecomeEndpointModesBelowDownAndFailing() throws {
        let text = Self.scenario(
            faults: """
                  - {kind: clock_skew, start: 0s, duration: 4s, skew_seconds: 400}
                  - {kind: webhook_endpoint_down, target: endpoint-1, start: 1s, duration: 1s}
                """)
        let plan = FaultPlan(try ScenarioParser.parse(text, file: "f.yaml"))
        #expect(plan.faults.first?.skewSeconds == 400)
        let changes = plan.endpointChanges(loadEnd: .seconds(5), endpoints: 2)
        #expect(changes.map(\.at) == [.zero, .seconds(1), .seconds(2), .seconds(4)])
        #expect(changes[0].modes == [0: .skewed(400), 1: .skewed(400)])
        #expect(changes[1].modes == [0: .skewed(400), 1: .down])
        #expect(changes[2].modes == [0: .skewed(400), 1: .skewed(400)])
        #expect(changes[3].modes == [:])
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
