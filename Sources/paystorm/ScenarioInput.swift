import ArgumentParser
import Scenarios

/// A scenario file as the commands read it: parsed, with `--duration` applied.
enum ScenarioInput {
    /// - Parameters:
    ///   - command: the subcommand named in an error (`run`, `swarm`).
    ///   - durationExamples: durations that suit the command, for the error.
    /// - Throws: `ExitCode(badInput)` after printing what is wrong.
    static func load(
        _ path: String, duration: String?, command: String, durationExamples: String
    ) throws -> Scenario {
        let scenario: Scenario
        do {
            scenario = try ScenarioParser.load(path: path)
        } catch {
            printError("✗ \(error)")
            throw ExitCode(ExitStatus.badInput)
        }
        guard let duration else { return scenario }
        guard let parsed = DurationText.parse(duration), parsed <= ScenarioLimits.durationMax else {
            printError(
                "paystorm \(command): --duration \(duration) is not a duration like \(durationExamples) of at most "
                    + DurationText.format(ScenarioLimits.durationMax))
            throw ExitCode(ExitStatus.badInput)
        }
        return scenario.withDuration(parsed)
    }
}
