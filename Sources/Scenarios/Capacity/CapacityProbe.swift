/// Runs a `CapacitySearch` with a step runner: the command gives it short realtime runs of the
/// scenario, the tests give it made-up outcomes.
public enum CapacityProbe {
    /// - Parameters:
    ///   - peakTPS: the scenario's peak target rate at scale 1 (a step's offered rate is this
    ///     times its scale).
    ///   - step: runs the scenario at a scale and says what it held.
    ///   - observe: told of each step as it finishes (the terminal's table row).
    public static func run(
        scenario: String, peakTPS: Double, stepSeconds: Double,
        search configuration: CapacitySearch.Configuration,
        step: (_ scale: Double, _ phase: CapacitySearch.Phase) async throws -> CapacityStep,
        observe: (CapacityStep) -> Void = { _ in }
    ) async rethrows -> CapacityReport {
        var search = CapacitySearch(configuration: configuration)
        var steps: [CapacityStep] = []
        while let (scale, phase) = search.next() {
            let outcome = try await step(scale, phase)
            search.record(scale: scale, held: outcome.held)
            steps.append(outcome)
            observe(outcome)
        }
        return CapacityReport(
            scenario: scenario, peakTPSAtScaleOne: peakTPS, stepSeconds: stepSeconds, search: configuration,
            steps: steps)
    }
}
