import Testing

@testable import Scenarios

/// Overload at the gateway becomes fast 429s that clients retry after `Retry-After`, not slow
/// answers: the requests admitted are answered within the queue budget plus their own work,
/// and nothing the system accepted is lost or double-charged.
@Suite struct AdmissionSheddingTests {
    static func scenario(admission: String) throws -> Scenario {
        try ScenarioParser.parse(
            """
            name: shed
            seed: 7
            merchants: {count: 50}
            load: {start_tps: 400, stages: [{hold: 3s}]}
            \(admission)
            """, file: "shed.yaml")
    }

    @Test func overloadIsShedAndWhatIsAdmittedStaysFast() async throws {
        // About 400 TPS x 0.2 s of network latency are in flight at once: a limit of 20 sheds.
        let tight = try Self.scenario(
            admission: "admission: {in_flight_max: 20, queue_time_budget: 50ms, queue_length_max: 20}")
        let shed = try await ScenarioRunner.run(tight, mode: .simulated)
        let admission = try #require(shed.admission)
        #expect(admission.inFlightMax == 20)
        #expect(admission.shed > 0)
        #expect(admission.inFlightPeak <= 20)
        #expect(shed.invariantsHold, "\(shed.invariants.filter { !$0.holds })")
        // The same load without a binding limit: what the system's own work takes.
        let open = try await ScenarioRunner.run(try Self.scenario(admission: ""), mode: .simulated)
        #expect(open.admission?.shed == 0)
        let openP99 = try #require(open.admission).admittedCreateLatencyMilliseconds.p99
        // An admitted create waited at most the 50 ms budget before its own work began.
        #expect(admission.admittedCreateLatencyMilliseconds.count > 0)
        #expect(admission.admittedCreateLatencyMilliseconds.p99 <= openP99 + 50 + 1)
        // The clients' view includes their waits after each 429: longer than the admitted one.
        #expect(shed.latencyMilliseconds.p99 > admission.admittedCreateLatencyMilliseconds.p99)
    }

    @Test func sheddingIsDeterministicForASeed() async throws {
        let tight = try Self.scenario(admission: "admission: {in_flight_max: 20, queue_time_budget: 50ms}")
        let first = try await ScenarioRunner.run(tight, mode: .simulated)
        let second = try await ScenarioRunner.run(tight, mode: .simulated)
        #expect(first.digest == second.digest)
        #expect(first.admission == second.admission)
        #expect((first.admission?.shed ?? 0) > 0)
    }

    @Test func admissionKeysAreRangeChecked() {
        #expect(throws: ScenarioError.self) {
            try Self.scenario(admission: "admission: {in_flight_max: 0}")
        }
        #expect(throws: ScenarioError.self) {
            try Self.scenario(admission: "admission: {queue_time_budget: 2m}")
        }
        #expect(throws: ScenarioError.self) {
            try Self.scenario(admission: "admission: {bogus: 1}")
        }
    }
}
