import Foundation
import Scenarios
import Testing

/// The journeys reach the in-process system through the target protocol: a shipped scenario
/// must keep the digest it had when they called the facade directly (main at f9e21e4,
/// `paystorm run scenarios/smoke.yaml --mode simulated`).
@Suite struct InProcessTargetDigestTests {
    @Test func smokeKeepsItsDigest() async throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scenarios/smoke.yaml").path
        let report = try await ScenarioRunner.run(try ScenarioParser.load(path: path), mode: .simulated)
        #expect(report.digest == "75453779c394ffae")
        #expect(report.invariantsHold)
    }
}
