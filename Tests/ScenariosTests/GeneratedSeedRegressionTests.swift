import Testing

@testable import Scenarios

/// Defects of the runner the generated swarm found, each kept as the seed that showed it.
@Suite struct GeneratedSeedRegressionTests {
    /// Seed 879: an authorization timed out during an outage and was reversed, so the create
    /// call answered 200 with a canceled intent; the client then captured it, and the runner
    /// reported its refusal as `capture_of_authorized_payment`. A merchant reads the status.
    @Test func aCanceledIntentIsNotCaptured() async throws {
        let report = try await ScenarioRunner.run(ScenarioGenerator.scenario(seed: 879), mode: .simulated)
        let capture = try #require(report.invariants.first { $0.name == "capture_of_authorized_payment" })
        #expect(capture.holds, "\(capture)")
        #expect(report.payments.voided > 0)
    }
}
