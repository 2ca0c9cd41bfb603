import PaystormRuntime
import Testing

@testable import Scenarios

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `paystorm run --trace`: the ordered event trace of a run is the same bytes for the same seed,
/// differs between seeds, is valid JSON Lines, and does not change the run it records.
@Suite struct EventTraceTests {
    static func traced(_ scenario: Scenario, seed: UInt64) async throws -> (RunReport, EventTrace) {
        var copy = scenario
        copy.seed = seed
        let trace = EventTrace()
        let report = try await ScenarioRunner.run(copy, mode: .simulated, trace: trace)
        return (report, trace)
    }

    @Test func theSameSeedWritesTheSameTraceAndAnotherSeedAnother() async throws {
        let scenario = try SwarmTests.shipped("chaos-everything.yaml")
        let (first, firstTrace) = try await Self.traced(scenario, seed: 3)
        let (_, again) = try await Self.traced(scenario, seed: 3)
        let (_, other) = try await Self.traced(scenario, seed: 4)
        #expect(firstTrace.lines.count > 1_000)
        #expect(firstTrace.dropped == 0)
        #expect(firstTrace.text == again.text)
        #expect(firstTrace.text != other.text)
        // Every component of the run shows up.
        for component in ["\"client\"", "\"orchestrator\"", "\"ledger\"", "\"network.visa\""] {
            #expect(firstTrace.lines.contains { $0.contains("\"component\":\(component)") }, "\(component)")
        }
        // Tracing only watches: the untraced run of the seed ends in the same state.
        var untraced = scenario
        untraced.seed = 3
        #expect(try await ScenarioRunner.run(untraced, mode: .simulated).digest == first.digest)
    }

    @Test func linesAreJSONObjectsInTimeOrder() async throws {
        let scenario = try SwarmTests.shipped("chaos-everything.yaml")
        let (_, trace) = try await Self.traced(scenario, seed: 5)
        struct Line: Decodable {
            var timeNanoseconds: Int64
            var component: String
            var event: String
            enum CodingKeys: String, CodingKey {
                case timeNanoseconds = "t_ns"
                case component, event
            }
        }
        var previous = Int64.min
        for line in trace.lines.prefix(2_000) {
            let decoded = try JSONDecoder().decode(Line.self, from: Data(line.utf8))
            #expect(decoded.timeNanoseconds >= previous, "\(line)")
            #expect(!decoded.component.isEmpty && !decoded.event.isEmpty, "\(line)")
            previous = decoded.timeNanoseconds
        }
    }

    @Test func textIsEscapedAsJSON() throws {
        let trace = EventTrace(linesMax: 1)
        EventTrace.$current.withValue(trace) {
            EventTrace.record(SimTime(nanoseconds: 7), "c\"x", "e\\v", ["k": "line\nbreak\u{1}"])
            EventTrace.record(SimTime(nanoseconds: 8), "dropped", "over the limit")
        }
        #expect(trace.lines == [#"{"t_ns":7,"component":"c\"x","event":"e\\v","k":"line\nbreak\u0001"}"#])
        #expect(trace.dropped == 1)
        // Off: nothing is recorded and the fields are never evaluated.
        EventTrace.record(.zero, "c", "e", ["k": Self.mustNotBeEvaluated()])
    }

    static func mustNotBeEvaluated() -> String {
        Issue.record("a trace that is off evaluated its fields")
        return ""
    }
}
