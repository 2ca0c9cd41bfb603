import Core
import PaystormRuntime
import Services

/// The tasks a run in process starts with its load, in the order they start (the order is part
/// of a simulated run's schedule, hence of its digest): the crasher, the read clients, the
/// expiry sweeper, the load generator, the progress reporter and the memory sampler.
struct RunTasks {
    let crasher: Task<Void, Never>?
    let reading: Task<Void, Never>?
    let expirySweeper: Task<Void, Never>?
    let generator: Task<Void, Never>
    let reporter: Task<Void, Never>
    let memorySampler: Task<Void, Never>
    let memory: MemorySampleBox
    let readMetrics: ReadMetrics
    let faultWindows: [FaultWindow]
    let inFlightBound: Int

    static func start(
        _ run: RunAssembly, at start: SimTime, progress: (@Sendable (RunProgress) -> Void)?
    ) -> RunTasks {
        let scenario = run.scenario
        let runtime = run.runtime
        let host = run.host
        let crashes = run.crashes
        let crasher: Task<Void, Never>? =
            crashes.isEmpty
            ? nil
            : runtime.spawn {
                for instant in crashes {
                    try? await runtime.sleep(until: start + instant)
                    await host.crash(restartAfter: FaultPlan.restartDelay)
                }
            }
        // The scenario's reads, through the facade of the life serving: the same read clients
        // as a run over the wire. No task at all without reads, so that such a run keeps its
        // digest.
        let readMetrics = ReadMetrics()
        let reading = run.journey.recent.map { recent in
            let readClients = ReadClients(
                traffic: scenario.reads, load: scenario.load,
                averagePaymentTPS: scenario.load.expectedArrivals / max(1e-9, scenario.duration.seconds),
                target: HostedTarget(host: host), recent: recent, metrics: readMetrics, runtime: runtime)
            return runtime.spawn { await readClients.run(start: start, inFlight: ReadInFlight()) }
        }
        let expirySweeper = Self.startExpirySweeper(run)
        let inFlightBound = scenario.load.maxInFlight ?? InFlightBudget.defaultMaxInFlight
        let generator = LoadGenerator(
            scenario: scenario, planner: run.planner, journey: run.journey, metrics: run.metrics,
            runtime: runtime, inFlightBound: inFlightBound,
            waitingJourneysPerJourney: scenario.load.maxInFlight == nil
                ? InFlightBudget.waitingJourneysPerJourney : 1,
            lateAfterNanoseconds: run.mode == .realtime ? 10_000_000 : 0,
            // Realtime: at most one wake-up a millisecond rather than a timer per arrival
            // (20,000 a second at 20,000 TPS).
            wakeIntervalNanoseconds: run.mode == .realtime ? 1_000_000 : 0)
        let generating = runtime.spawn { await generator.run(start: start) }
        let faultWindows = run.faults.windows(loadEnd: scenario.duration)
        let memory = MemorySampleBox()
        let reporter = Self.startReporter(
            run, at: start, faultWindows: faultWindows, memory: memory, progress: progress)
        let memorySampler = Self.startMemorySampler(runtime, at: start, into: memory)
        return RunTasks(
            crasher: crasher, reading: reading, expirySweeper: expirySweeper, generator: generating,
            reporter: reporter, memorySampler: memorySampler, memory: memory, readMetrics: readMetrics,
            faultWindows: faultWindows, inFlightBound: inFlightBound)
    }

    /// Waits for the load to be sent: every arrival dispatched, every read made, every crash
    /// carried out.
    func loadSent() async {
        await generator.value
        await reading?.value
        await crasher?.value
    }

    /// Stops the timers once the journeys are over.
    func stop() {
        expirySweeper?.cancel()
        reporter.cancel()
        memorySampler.cancel()
    }

    /// The processor's scheduler: authorizations past their validity expire (only when the
    /// scenario sets one; without, no task, and the digest stays what it was).
    private static func startExpirySweeper(_ run: RunAssembly) -> Task<Void, Never>? {
        let runtime = run.runtime
        let host = run.host
        return run.scenario.authorizationValidity.map(ScenarioRunner.expirySweepInterval).map { interval in
            runtime.spawn {
                while !Task.isCancelled {
                    try? await runtime.sleep(for: interval)
                    if Task.isCancelled { break }
                    _ = await host.current().system.expireStaleAuthorizations()
                }
            }
        }
    }

    /// The progress line's figures once a second of run time. The reporter's timer runs whether
    /// or not anyone watches: it is a job of the run's schedule, and a run without it (a
    /// swarm's seed, a test) drew another schedule than `paystorm run` with its progress line,
    /// so a swarm's replay command did not reproduce it. Each tick also reads the resident
    /// memory for the run's peak (no job of its own: the read does not suspend).
    private static func startReporter(
        _ run: RunAssembly, at start: SimTime, faultWindows: [FaultWindow], memory: MemorySampleBox,
        progress: (@Sendable (RunProgress) -> Void)?
    ) -> Task<Void, Never> {
        let runtime = run.runtime
        let metrics = run.metrics
        let host = run.host
        let scenario = run.scenario
        return runtime.spawn {
            while !Task.isCancelled {
                try? await runtime.sleep(for: .seconds(1))
                if let bytes = ResidentMemory.bytes() { memory.notePeak(bytes: bytes) }
                guard let report = progress else { continue }
                let snapshot = metrics.takeSnapshot()
                let elapsed = runtime.now() - start
                // Read without suspending: the reporter adds no job to the run's schedule
                // beyond its timer, so the digest does not depend on what it reads.
                var progress = ScenarioRunner.progress(snapshot, elapsed: elapsed, scenario: scenario)
                ScenarioRunner.readSystemFigures(host.system, into: &progress)
                let seconds = elapsed.seconds
                progress.faultsActive = faultWindows.filter { $0.contains(seconds: seconds) }.map(\.name)
                report(progress)
            }
        }
    }

    /// Resident memory once a minute of the run's own clock. It only reads the process's RSS,
    /// so it changes nothing the digest covers; its wake-ups are ordinary timer jobs.
    private static func startMemorySampler(
        _ runtime: any Runtime, at start: SimTime, into memory: MemorySampleBox
    ) -> Task<Void, Never> {
        runtime.spawn {
            var minute = 0
            while !Task.isCancelled {
                try? await runtime.sleep(until: start + .seconds(60 * (minute + 1)))
                if Task.isCancelled { break }
                minute += 1
                if let bytes = ResidentMemory.bytes() { memory.record(minute: minute, bytes: bytes) }
            }
        }
    }
}
