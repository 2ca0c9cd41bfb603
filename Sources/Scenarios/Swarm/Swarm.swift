import Services

/// Swarm testing: one scenario run in simulated mode once per seed, each seed also choosing
/// which faults are on and how hard (`FaultPlan`), a few runs at a time.
///
/// A swarm seed is nothing but the scenario with that seed: `ScenarioRunner` draws the faults
/// from it, so `paystorm run FILE --mode simulated --seed N` replays seed N exactly.
public enum Swarm {
    /// Runs more than this many seeds at once are refused (each holds a whole simulated system).
    public static let jobsMax = 64

    /// The scenario as seed `seed` of a swarm runs it.
    public static func scenario(_ base: Scenario, seed: UInt64) -> Scenario {
        var copy = base
        copy.seed = seed
        return copy
    }

    /// Runs every seed, at most `jobs` at a time, each on its own pool thread (a deterministic run
    /// drives its executor on the thread that calls it).
    /// - Parameters:
    ///   - plantedBug: the bug planted in every seed's services (`paystorm swarm --plant-bug`).
    ///   - finished: called once per seed as it finishes, in completion order.
    /// - Returns: the outcomes in seed order.
    public static func run(
        _ base: Scenario, seeds: [UInt64], jobs: Int, plantedBug: PlantedBug? = nil,
        finished: @Sendable (SwarmOutcome) -> Void = { _ in }
    ) async -> [SwarmOutcome] {
        await run(seeds: seeds, jobs: jobs, plantedBug: plantedBug, finished: finished) { seed in
            scenario(base, seed: seed)
        }
    }

    /// Runs one generated scenario per seed (`ScenarioGenerator`), at most `jobs` at a time:
    /// `paystorm swarm --generate`.
    public static func runGenerated(
        seeds: [UInt64], jobs: Int, plantedBug: PlantedBug? = nil,
        finished: @Sendable (SwarmOutcome) -> Void = { _ in }
    ) async -> [SwarmOutcome] {
        await run(
            seeds: seeds, jobs: jobs, plantedBug: plantedBug, finished: finished,
            scenario: ScenarioGenerator.scenario(seed:))
    }

    /// Runs `scenario(seed)` for every seed, at most `jobs` at a time, each on its own pool
    /// thread.
    static func run(
        seeds: [UInt64], jobs: Int, plantedBug: PlantedBug?, finished: @Sendable (SwarmOutcome) -> Void,
        scenario: @escaping @Sendable (UInt64) -> Scenario
    ) async -> [SwarmOutcome] {
        let width = min(max(1, jobs), jobsMax)
        var outcomes: [SwarmOutcome] = []
        outcomes.reserveCapacity(seeds.count)
        await withTaskGroup(of: SwarmOutcome.self) { group in
            var next = seeds.makeIterator()
            for _ in 0..<width {
                guard let seed = next.next() else { break }
                group.addTask { await runScenario(scenario(seed), plantedBug: plantedBug) }
            }
            while let outcome = await group.next() {
                finished(outcome)
                outcomes.append(outcome)
                if let seed = next.next() {
                    group.addTask { await runScenario(scenario(seed), plantedBug: plantedBug) }
                }
            }
        }
        return outcomes.sorted { $0.seed < $1.seed }
    }

    /// Runs one seed in simulated mode, off the caller's executor.
    @concurrent
    public static func runSeed(
        _ base: Scenario, seed: UInt64, plantedBug: PlantedBug? = nil
    ) async -> SwarmOutcome {
        await runScenario(scenario(base, seed: seed), plantedBug: plantedBug)
    }

    /// Runs one scenario (its own seed) in simulated mode, off the caller's executor.
    @concurrent
    public static func runScenario(_ scenario: Scenario, plantedBug: PlantedBug? = nil) async -> SwarmOutcome
    {
        let seed = scenario.seed
        let faults = FaultPlan(scenario).summary
        do {
            let report = try await ScenarioRunner.run(scenario, mode: .simulated, plantedBug: plantedBug)
            let violated = report.invariants.first { !$0.holds }
            return SwarmOutcome(
                seed: seed, digest: report.digest, faults: faults,
                firstViolation: violated.map { invariant in
                    invariant.name + (invariant.examples.first.map { ": \($0)" } ?? "")
                },
                payments: report.payments.attempted, wallSeconds: report.wallSeconds)
        } catch {
            return SwarmOutcome(
                seed: seed, digest: "", faults: faults, firstViolation: "run failed: \(error)", payments: 0,
                wallSeconds: 0)
        }
    }
}
