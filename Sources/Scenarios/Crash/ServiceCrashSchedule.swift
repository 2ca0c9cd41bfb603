import PaystormRuntime
import Services
import Synchronization

/// Crashes and restarts services at a `FaultPlan`'s `serviceCrashes` instants, on the
/// system serving at each instant (after a whole-process crash, its next life), while the rest
/// of the system runs on.
///
/// One task, started through the runtime, goes through the crashes in order: sleep to the
/// instant, crash, sleep the downtime, restart (a crash whose instant passed during an earlier
/// downtime follows that restart at once). `finish()` waits for it: the safety phase ends with
/// every service back up, so that the liveness phase and the final checks see a whole system.
final class ServiceCrashSchedule: Sendable {
    private struct State {
        var figures = RunReport.ServiceRestartFigures()
        var failures: [String] = []
    }

    /// The state, shared with the task (a `Mutex` cannot be captured by itself).
    private final class Box: Sendable {
        let state = Mutex(State())
    }

    /// The invariant that fails when a crash or a restart could not be carried out.
    static let invariant = "service_restart_succeeds"
    static let failuresMax = 5

    let planned: Int
    private let task: Task<Void, Never>?
    private let box = Box()

    /// Starts at the runtime's current time, which counts as the run's start.
    init(crashes: [FaultPlan.ServiceCrash], host: SystemHost, runtime: any Runtime) {
        planned = crashes.count
        guard !crashes.isEmpty else {
            task = nil
            return
        }
        let origin = runtime.now()
        let box = self.box
        task = runtime.spawn {
            for crash in crashes {
                try? await runtime.sleep(until: origin + crash.at)
                let (system, _) = await host.current()
                await Self.crashAndRestart(crash, system: system, host: host, runtime: runtime, box: box)
            }
        }
    }

    private static func crashAndRestart(
        _ crash: FaultPlan.ServiceCrash, system: PaymentSystem, host: SystemHost, runtime: any Runtime,
        box: Box
    ) async {
        switch crash.service {
        case .webhookDispatcher:
            do {
                guard try await system.crashWebhookDispatcher() else { return }
            } catch {
                note(box, "crash of \(crash.service.rawValue) at \(DurationText.format(crash.at)): \(error)")
                return
            }
            EventTrace.record(runtime.now(), "faults", "service_crash", ["service": crash.service.rawValue])
            box.state.withLock { $0.figures.crashes += 1 }
            try? await runtime.sleep(for: crash.restartAfter)
            // The whole process crashed meanwhile: the life whose dispatcher died is gone, and
            // the next one started with a dispatcher of its own.
            guard host.system === system else {
                box.state.withLock { $0.figures.restartsMoot += 1 }
                return
            }
            do {
                guard let rebuilt = try await system.restartWebhookDispatcher() else { return }
                EventTrace.record(
                    runtime.now(), "faults", "service_restart",
                    [
                        "service": crash.service.rawValue, "owed": "\(rebuilt.owedInJournal)",
                        "kept": "\(rebuilt.keptCreations)", "handed_over": "\(rebuilt.handedOver)",
                    ])
                box.state.withLock {
                    $0.figures.restarts += 1
                    $0.figures.owedInJournal += rebuilt.owedInJournal
                    $0.figures.keptCreations += rebuilt.keptCreations
                    $0.figures.handedOver += rebuilt.handedOver
                }
            } catch {
                note(box, "restart of \(crash.service.rawValue): \(error)")
            }
        }
    }

    private static func note(_ box: Box, _ failure: String) {
        box.state.withLock { if $0.failures.count < failuresMax { $0.failures.append(failure) } }
    }

    /// Notes a failure of the restarts' own checks (the run's end reads the journal too).
    func noteFailure(_ failure: String) { Self.note(box, failure) }

    /// Waits until every planned crash has restarted.
    func finish() async { await task?.value }

    /// The figures (with what the dead dispatchers of `system` dropped) and the invariant that
    /// every crash and restart was carried out; nil when none was planned.
    func report(
        system: PaymentSystem
    ) async -> (figures: RunReport.ServiceRestartFigures, invariant: RunReport.InvariantResult)? {
        guard planned > 0 else { return nil }
        var (figures, failures) = box.state.withLock { ($0.figures, $0.failures) }
        for life in system.events.dispatcherLives() {
            figures.deliveriesAbandoned += Int(life.statistics().abandoned)
        }
        figures.eventsLeftToJournal = Int(system.events.snapshot.leftToJournal)
        let invariant = RunReport.InvariantResult(
            name: Self.invariant, holds: failures.isEmpty, violations: failures.count, examples: failures)
        return (figures, invariant)
    }
}
