import ArgumentParser
import Foundation
import PaystormRuntime
import Reports
import Scenarios
import Services
import Synchronization

/// `paystorm swarm FILE --seeds 1-1000`: runs a scenario in simulated mode once per seed, each
/// seed choosing its own faults, and lists the seeds that broke an invariant with the command
/// that replays each one exactly. `paystorm swarm --generate --seeds 1-1000` draws the whole
/// scenario per seed instead, and writes each failing seed's scenario to a file that
/// `paystorm run` replays. Exit 0 if every seed held, 1 if any failed, 2 on bad input.
struct SwarmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swarm",
        abstract: "Run a scenario once per seed, each seed choosing its faults (or, with --generate, "
            + "the whole scenario); list failing seeds.")

    @Argument(help: "Scenario file (YAML); none with --generate.") var file: String?
    @Flag(
        help: ArgumentHelp(
            "Draw a whole scenario per seed (merchants, currencies, amounts, mix, load of 5 s to 5 min, "
                + "faults) instead of reading one; failing seeds are written to --failures."))
    var generate = false
    @Option(help: "With --generate: the directory that receives each failing seed's scenario file.")
    var failures: String = "swarm-failures"
    @Option(help: "Seeds to run: 1-1000, 42, or 1-10,77.") var seeds: String = "1-100"
    @Option(help: "Stretch or compress the load profile to this length, e.g. 5s.") var duration: String?
    @Option(help: "Seeds run at once (each on its own core).") var jobs: Int = 2
    @Option(
        help: ArgumentHelp(
            "Plant a known bug to check that the swarm finds it: "
                + PlantedBug.allCases.map(\.rawValue).joined(separator: ", ") + ".",
            visibility: .hidden))
    var plantBug: String?
    @Flag(help: "Print every seed's digest and faults, not only the failing seeds.") var list = false
    @Option(
        help: ArgumentHelp(
            "Write every seed (faults drawn, payments, verdict, the command that replays it; failing "
                + "seeds first) as one self-contained HTML page to this path."))
    var report: String?

    func run() async throws {
        guard let seedList = SeedList.parse(seeds) else {
            printError("paystorm swarm: --seeds must look like 1-1000, 42 or 1-10,77, not \(seeds)")
            throw ExitCode(ExitStatus.badInput)
        }
        guard (1...Swarm.jobsMax).contains(jobs) else {
            printError("paystorm swarm: --jobs must be in 1...\(Swarm.jobsMax)")
            throw ExitCode(ExitStatus.badInput)
        }
        if let report, !FileManager.default.createFile(atPath: report, contents: nil) {
            printError("paystorm swarm: --report: cannot write \(report)")
            throw ExitCode(ExitStatus.badInput)
        }
        if generate {
            guard file == nil, duration == nil else {
                printError("paystorm swarm: --generate draws the scenario: give no FILE and no --duration")
                throw ExitCode(ExitStatus.badInput)
            }
            try await runGenerated(seedList)
            return
        }
        guard let file else {
            printError("paystorm swarm: give a scenario FILE, or --generate")
            throw ExitCode(ExitStatus.badInput)
        }
        let scenario = try loadScenario(file)
        let bug = try plantedBug()
        let stopwatch = Stopwatch()
        let outcomes = await Self.execute(scenario, seeds: seedList, jobs: jobs, plantedBug: bug)
        let elapsed = stopwatch.elapsed.components
        let seconds = max(Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18, 1e-9)
        let failed = outcomes.filter(\.failed)
        print(
            "swarm \(scenario.name): \(outcomes.count) seeds, \(failed.count) failed, "
                + "\(Format.fixed(seconds, 1)) s wall, \(Format.fixed(Double(outcomes.count) / seconds, 2)) seeds/s, "
                + "\(Format.count(outcomes.reduce(0) { $0 + $1.payments })) payments")
        let replayDuration = duration.map { " --duration \($0)" } ?? ""
        try writeReport(
            title: scenario.name, outcomes: outcomes, wallSeconds: seconds,
            scenarioText: try? String(contentsOfFile: file, encoding: .utf8)
        ) { outcome in
            if let bug {
                return
                    "paystorm swarm \(file) --seeds \(outcome.seed)\(replayDuration) --plant-bug \(bug.rawValue)"
            }
            return "paystorm run \(file) --mode simulated --seed \(outcome.seed)" + replayDuration
        }
        if list { Self.printEachSeed(outcomes) }
        for outcome in failed {
            print("✗ seed \(outcome.seed): \(outcome.firstViolation ?? "")")
            print("    faults: \(outcome.faults)")
            if let bug {
                print(
                    "    replay: paystorm swarm \(file) --seeds \(outcome.seed)\(replayDuration) "
                        + "--plant-bug \(bug.rawValue)")
            } else {
                print(
                    "    replay: paystorm run \(file) --mode simulated --seed \(outcome.seed)"
                        + replayDuration)
            }
        }
        if failed.isEmpty {
            print("✓ every invariant held on every seed")
        } else {
            throw ExitCode(ExitStatus.invariantViolated)
        }
    }

    /// `--generate`: one drawn scenario per seed; each failing one is written where `paystorm
    /// run` can replay it (the file holds its seed, and so its faults).
    private func runGenerated(_ seeds: [UInt64]) async throws {
        let bug = try plantedBug()
        let stopwatch = Stopwatch()
        let jobs = self.jobs
        let outcomes = await Self.execute(seeds: seeds, jobs: jobs) { seeds, jobs, finished in
            await Swarm.runGenerated(seeds: seeds, jobs: jobs, plantedBug: bug, finished: finished)
        }
        let elapsed = stopwatch.elapsed.components
        let seconds = max(Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18, 1e-9)
        let failed = outcomes.filter(\.failed)
        print(
            "swarm --generate: \(outcomes.count) seeds, \(failed.count) failed, "
                + "\(Format.fixed(seconds, 1)) s wall, \(Format.fixed(Double(outcomes.count) / seconds, 2)) seeds/s, "
                + "\(Format.count(outcomes.reduce(0) { $0 + $1.payments })) payments")
        if list { Self.printEachSeed(outcomes) }
        let failures = self.failures
        try writeReport(
            title: "generated scenarios", outcomes: outcomes, wallSeconds: seconds, scenarioText: nil
        ) {
            outcome in
            outcome.failed
                ? "paystorm run \((failures as NSString).appendingPathComponent("generated-\(outcome.seed).yaml"))"
                : "paystorm swarm --generate --seeds \(outcome.seed)"
        }
        if !failed.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: failures, withIntermediateDirectories: true)
            } catch {
                printError("paystorm swarm: cannot create \(failures): \(error)")
                throw ExitCode(ExitStatus.badInput)
            }
        }
        for outcome in failed {
            let path = (failures as NSString).appendingPathComponent("generated-\(outcome.seed).yaml")
            let text = ScenarioWriter.yaml(ScenarioGenerator.scenario(seed: outcome.seed))
            do {
                try text.write(toFile: path, atomically: true, encoding: .utf8)
            } catch {
                printError("paystorm swarm: cannot write \(path): \(error)")
                throw ExitCode(ExitStatus.badInput)
            }
            print("✗ seed \(outcome.seed): \(outcome.firstViolation ?? "")")
            print("    faults: \(outcome.faults)")
            print(
                "    replay: paystorm run \(path) (digest \(outcome.digest))"
                    + (bug.map {
                        "; the bug was planted: paystorm swarm --generate --seeds \(outcome.seed) --plant-bug \($0.rawValue)"
                    } ?? ""))
        }
        if failed.isEmpty {
            print("✓ every invariant held on every seed")
        } else {
            throw ExitCode(ExitStatus.invariantViolated)
        }
    }

    /// The scenario FILE, with `--duration` applied.
    /// - Throws: `ExitCode(badInput)` after printing what is wrong.
    private func loadScenario(_ file: String) throws -> Scenario {
        let scenario = try ScenarioInput.load(
            file, duration: duration, command: "swarm", durationExamples: "5s, 1m or 1h30m")
        if duration != nil, let problem = ScenarioLimits.problem(with: scenario) {
            printError("paystorm swarm: with --duration, \(problem)")
            throw ExitCode(ExitStatus.badInput)
        }
        return scenario
    }

    /// `--plant-bug`, checked against the bugs there are.
    /// - Throws: `ExitCode(badInput)` for a name no planted bug has.
    private func plantedBug() throws -> PlantedBug? {
        var bug: PlantedBug?
        if let plantBug {
            guard let known = PlantedBug(rawValue: plantBug) else {
                printError(
                    "paystorm swarm: --plant-bug must be one of "
                        + PlantedBug.allCases.map(\.rawValue).joined(separator: ", "))
                throw ExitCode(ExitStatus.badInput)
            }
            bug = known
        }
        return bug
    }

    /// `--list`: a line per seed, failing or not.
    private static func printEachSeed(_ outcomes: [SwarmOutcome]) {
        for outcome in outcomes {
            print(
                "\(outcome.failed ? "✗" : "✓") seed \(outcome.seed) digest \(outcome.digest) "
                    + "payments \(outcome.payments) faults: \(outcome.faults)")
        }
    }

    /// `--report`: every seed on one page, with `replay(outcome)` as its replay command.
    private func writeReport(
        title: String, outcomes: [SwarmOutcome], wallSeconds: Double, scenarioText: String?,
        replay: (SwarmOutcome) -> String
    ) throws {
        guard let report else { return }
        let page = SwarmReportPage(
            title: title, seeds: outcomes.map { SwarmReportPage.Seed(outcome: $0, replay: replay($0)) },
            wallSeconds: wallSeconds, scenarioText: scenarioText,
            command: (["paystorm"] + CommandLine.arguments.dropFirst()).joined(separator: " "))
        do {
            try Data(page.html().utf8).write(to: URL(fileURLWithPath: report))
        } catch {
            printError("paystorm swarm: cannot write \(report): \(error)")
            throw ExitCode(ExitStatus.badInput)
        }
        printError("report: \(report)")
    }

    /// Runs the swarm off the main actor and draws a progress bar on stderr when it is a terminal.
    @concurrent
    private static func execute(
        _ scenario: Scenario, seeds: [UInt64], jobs: Int, plantedBug: PlantedBug?
    ) async -> [SwarmOutcome] {
        await execute(seeds: seeds, jobs: jobs) { seeds, jobs, finished in
            await Swarm.run(scenario, seeds: seeds, jobs: jobs, plantedBug: plantedBug, finished: finished)
        }
    }

    @concurrent
    private static func execute(
        seeds: [UInt64], jobs: Int,
        swarm: ([UInt64], Int, @escaping @Sendable (SwarmOutcome) -> Void) async -> [SwarmOutcome]
    ) async -> [SwarmOutcome] {
        let mode = progressLineMode
        let progress = SwarmProgress(total: seeds.count)
        let outcomes = await swarm(seeds, jobs) { outcome in
            drawProgress(progress.record(outcome), mode)
        }
        finishProgress(mode)
        return outcomes
    }
}

/// Counts finished seeds and draws `[#####.....] 412/1000 · 2 failed` for the progress line.
final class SwarmProgress: Sendable {
    private let total: Int
    private let counts = Mutex<(done: Int, failed: Int)>((0, 0))
    static let width = 30

    init(total: Int) { self.total = max(1, total) }

    func record(_ outcome: SwarmOutcome) -> String {
        let (done, failed) = counts.withLock { counts in
            counts.done += 1
            if outcome.failed { counts.failed += 1 }
            return counts
        }
        let filled = done * Self.width / total
        return "[" + String(repeating: "#", count: filled)
            + String(repeating: ".", count: Self.width - filled)
            + "] \(done)/\(total) · \(failed) failed"
    }
}
