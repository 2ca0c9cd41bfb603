import Foundation
import Scenarios
import Testing

/// A shipped scenario, shortened, run in simulated time through the public runner.
@Suite struct ScenarioTests {
    static let paystormRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    @Test func aShortSmokeRunHoldsEveryInvariant() async throws {
        var scenario = try ScenarioParser.load(
            path: Self.paystormRoot.appendingPathComponent("scenarios/smoke.yaml").path
        ).withDuration(.seconds(3))
        // Thresholds judge a full run; three seconds cannot.
        scenario.thresholds = []
        let report = try await ScenarioRunner.run(scenario, mode: .simulated)
        let failing = report.invariants.filter { !$0.holds }.map(\.name)
        #expect(failing.isEmpty, "\(failing)")
        #expect(report.payments.attempted > 0)
        #expect(report.payments.succeeded > 0)
    }
}
