import Foundation
import Services
import Testing

@testable import Scenarios

/// Mutation check of the generated swarm: with each planted bug, some seed within the first
/// 1,000 fails, and that seed holds without the bug (so the failure is the bug's, not one of
/// the open defects a generated seed may meet), and replays to the same digest. Seeds are
/// searched in small batches from 1 and the search stops at the first find: seconds per bug.
@Suite struct GeneratedSwarmMutationTests {
    /// Seeds searched at most per bug: the promise is "within 1,000".
    static let seedsMax: UInt64 = 1_000
    static let batch: UInt64 = 8

    @Test(arguments: PlantedBug.allCases)
    func thePlantedBugIsFoundWithinAThousandGeneratedSeeds(bug: PlantedBug) async throws {
        var first: UInt64 = 1
        while first <= Self.seedsMax {
            let seeds = Array(first...min(first + Self.batch - 1, Self.seedsMax))
            let outcomes = await Swarm.runGenerated(seeds: seeds, jobs: 2, plantedBug: bug)
            for failing in outcomes where failing.failed {
                let healthy = await Swarm.runScenario(ScenarioGenerator.scenario(seed: failing.seed))
                guard !healthy.failed else { continue }
                let replay = await Swarm.runScenario(
                    ScenarioGenerator.scenario(seed: failing.seed), plantedBug: bug)
                #expect(replay.digest == failing.digest)
                #expect(replay.firstViolation == failing.firstViolation)
                print(
                    "\(bug.rawValue): found by generated seed \(failing.seed): \(failing.firstViolation ?? "")"
                )
                return
            }
            first += Self.batch
        }
        Issue.record("the planted bug \(bug) went unnoticed by \(Self.seedsMax) generated seeds")
    }

    /// What `paystorm swarm --generate` leaves for a failing seed is a file that `paystorm run`
    /// (the parser, then the runner) replays to the seed's digest.
    @Test func aFailingSeedsFileReplaysToItsDigest() async throws {
        let bug = PlantedBug.ignoreIdempotencyKeys
        let outcomes = await Swarm.runGenerated(seeds: [1, 2], jobs: 2, plantedBug: bug)
        let failing = try #require(outcomes.first { $0.failed })
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "paystorm-generated-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        try ScenarioWriter.yaml(ScenarioGenerator.scenario(seed: failing.seed))
            .write(to: file, atomically: true, encoding: .utf8)
        let scenario = try ScenarioParser.load(path: file.path)
        let replay = try await ScenarioRunner.run(scenario, mode: .simulated, plantedBug: bug)
        #expect(replay.digest == failing.digest)
        #expect(!replay.invariantsHold)
    }

    @Test
    func theCommandWritesEachFailingSeedsScenario() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "paystorm-generated-cli-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let swarm = try CommandLineExitCodeTests.paystorm([
            "swarm", "--generate", "--seeds", "1-2", "--failures", directory.path, "--plant-bug",
            "ignore_idempotency_keys",
        ])
        #expect(swarm.status == 1, "\(swarm.output)\(swarm.errors)")
        let file = directory.appendingPathComponent("generated-1.yaml").path
        #expect(swarm.output.contains("replay: paystorm run \(file)"), "\(swarm.output)")
        let validate = try CommandLineExitCodeTests.paystorm(["validate", file])
        #expect(validate.status == 0, "\(validate.output)\(validate.errors)")
        let both = try CommandLineExitCodeTests.paystorm(["swarm", "SCENARIO", "--generate"])
        #expect(both.status == 2, "\(both.errors)")
    }
}
