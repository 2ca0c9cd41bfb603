import ArgumentParser
import PaystormRuntime
import Scenarios

/// `paystorm validate FILE...`: checks scenario files without running them.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check scenario files without running them (exit 2 if any is malformed).")

    @Argument(help: "Scenario files (YAML).")
    var files: [String]

    func run() throws {
        var failures = 0
        for file in files {
            do {
                let scenario = try ScenarioParser.load(path: file)
                let peak = Int(scenario.load.peakTPS.rounded())
                let expected = Int(scenario.load.expectedArrivals.rounded())
                let seconds = Double(scenario.duration.components.seconds)
                let average = Int((scenario.load.expectedArrivals / max(seconds, 1)).rounded())
                print(
                    "✓ \(file): \(scenario.name), \(DurationText.format(scenario.duration)), "
                        + "average \(average) TPS, peak \(peak) TPS, ~\(expected) payments, \(scenario.merchants.count) merchants, "
                        + "\(scenario.thresholds.count) thresholds")
            } catch {
                failures += 1
                printError("✗ \(error)")
            }
        }
        if failures > 0 { throw ExitCode(ExitStatus.badInput) }
    }
}
