import Core
import Journal
import PaystormRuntime
import Services
import Synchronization

/// The payment system of a run as its clients reach it, across crashes: which life of it is
/// running (its generation), whether it is up, and the clients' own record of what they were
/// told, to check after each restart that nothing acknowledged was lost.
///
/// A crash (`crash(restartAfter:)`) drops the whole in-memory system at that instant: its view
/// of the journal is fenced (nothing it does afterwards is durable), every answer it gives
/// afterwards is lost on the way (`isAlive` is false for its generation: the client times out
/// and sends the request again with the same idempotency key), and a new system is rebuilt from
/// the journal (`PaymentSystem.recovering`) and serves from then on. The card networks and the
/// merchants' endpoints are other companies' machines: the new system talks to the same ones.
///
/// Without crashes the host only hands out its one system: no extra awaits, the same schedule.
final class SystemHost: Sendable {
    /// What a client was last told about a payment: it must survive a crash.
    struct Acknowledged: Sendable {
        var capturedMinorUnits: Int64
        var failed: Bool
    }

    private struct State {
        var system: PaymentSystem
        var journal: FencedJournal?
        var generation = 0
        var up = true
        /// Payments whose journeys ended (only when the run may crash): a resumed system holds
        /// every journaled payment and forgets these again.
        var retired: Set<PaymentID> = []
        var acknowledged: [PaymentID: Acknowledged] = [:]
        var figures = RunReport.RecoveryFigures()
        /// When the latest restart began, until a client of the new life gets an answer.
        var restartBegan: SimTime?
        var violations = InvariantTally()
    }

    let runtime: any Runtime
    /// True when the run has crashes planned: the host then keeps the clients' record.
    let mayCrash: Bool
    private let configuration: PaymentSystemConfiguration
    private let state: Mutex<State>

    /// - Parameters:
    ///   - journal: the fenced view the first life appends through (nil without crashes).
    ///   - configuration: the system's configuration, to rebuild it after a crash.
    init(
        system: PaymentSystem, journal: FencedJournal?, configuration: PaymentSystemConfiguration,
        runtime: any Runtime
    ) {
        self.runtime = runtime
        self.configuration = configuration
        mayCrash = journal != nil
        state = Mutex(State(system: system, journal: journal))
    }

    /// The system serving now (the last life, at the end of a run).
    var system: PaymentSystem { state.withLock { $0.system } }

    /// The system as a client reaches it, and its generation; while it is down after a crash,
    /// the client waits (retrying every 100 ms of run time, as a client's backoff would).
    func current() async -> (system: PaymentSystem, generation: Int) {
        while true {
            let (system, generation, up) = state.withLock { ($0.system, $0.generation, $0.up) }
            if up { return (system, generation) }
            try? await runtime.sleep(for: .milliseconds(100))
        }
    }

    /// Whether the life `generation` is still the one running: an answer from a dead life never
    /// reached its client.
    func isAlive(_ generation: Int) -> Bool {
        state.withLock { $0.generation == generation && $0.up }
    }

    // MARK: The clients' record

    func noteLostAnswer() {
        guard mayCrash else { return }
        state.withLock { $0.figures.answersLost += 1 }
    }

    func acknowledged(_ id: PaymentID, _ response: APIResponse) {
        guard mayCrash else { return }
        let captured = Self.integerField("amount_received", in: response.body) ?? 0
        let now = runtime.now()
        state.withLock { state in
            if let began = state.restartBegan, state.up {
                state.figures.restartToFirstAnswerMsMax = max(
                    state.figures.restartToFirstAnswerMsMax, Double(now.nanoseconds - began.nanoseconds) / 1e6
                )
                state.restartBegan = nil
            }
            var entry = state.acknowledged[id] ?? Acknowledged(capturedMinorUnits: 0, failed: false)
            entry.capturedMinorUnits = max(entry.capturedMinorUnits, captured)
            entry.failed = entry.failed || response.status == 402
            state.acknowledged[id] = entry
        }
    }

    func retired(_ id: PaymentID) {
        guard mayCrash else { return }
        state.withLock {
            $0.retired.insert(id)
            $0.acknowledged[id] = nil
        }
    }

    // MARK: Crashing

    /// Kills the running life now and brings up the next one after `restartAfter`, rebuilt from
    /// the journal; then checks that every payment a client was told about is still there, as
    /// it was told.
    func crash(restartAfter: Duration) async {
        guard mayCrash else { return }
        let (dead, deadJournal) = state.withLock { state in
            state.up = false
            state.generation += 1
            state.figures.crashes += 1
            state.journal?.fence()
            return (state.system, state.journal)
        }
        guard let deadJournal else { return }
        await deadJournal.drained(runtime: runtime)
        try? await runtime.sleep(for: restartAfter)
        let restartBegan = runtime.now()
        let journal = FencedJournal(deadJournal.base)
        var configuration = self.configuration
        configuration.journal = DurablePaymentJournal(journal, cipher: configuration.journal.cipher)
        let system: PaymentSystem
        let recovered: RecoveredPaymentSystem
        do {
            (system, recovered) = try await PaymentSystem.recovering(
                runtime: runtime, configuration: configuration, outside: dead, crashRepairWhileServing: true)
        } catch {
            // The run cannot go on without a system: the dead one serves again, and the run
            // reports that recovery failed.
            violation(.recoverySucceeds, "crash \(state.withLock { $0.figures.crashes }): \(error)")
            state.withLock { state in
                state.system = dead
                state.journal = journal
                state.up = true
            }
            return
        }
        let retired = state.withLock { $0.retired }
        for id in retired.sorted() { _ = await system.orchestrator.retire(id) }
        let acknowledged = state.withLock { $0.acknowledged }
        for (id, told) in acknowledged.sorted(by: { $0.key < $1.key }) {
            guard let record = system.paymentNow(id) else {
                violation(
                    .acknowledgedSurvivesCrash, "\(id) was acknowledged, the recovered system lacks it")
                continue
            }
            if record.payment.amountCapturedMinorUnits < told.capturedMinorUnits {
                violation(
                    .acknowledgedSurvivesCrash,
                    "\(id): told captured \(told.capturedMinorUnits), recovered \(record.payment)")
            }
            if told.failed {
                if case .failed = record.payment.state {
                } else {
                    violation(
                        .acknowledgedSurvivesCrash, "\(id): told declined, recovered \(record.payment)")
                }
            }
        }
        for invariant in recovered.report.invariants where !invariant.holds {
            for example in invariant.examples { recoveryViolation(invariant.name, example) }
        }
        state.withLock { state in
            state.figures.recordsReplayed += recovered.report.recordsReplayed
            state.figures.paymentsRecovered += recovered.report.payments
            state.figures.transfersRolledForward += recovered.report.transfersRolledForward
            state.figures.keysResumable += recovered.startedKeys.count
            state.figures.webhooksRedelivered += recovered.pendingWebhooks.count
            state.figures.paymentsRepaired += system.crashRepairFigures.paymentsSettled
            state.figures.restartToServingMsMax = max(
                state.figures.restartToServingMsMax,
                Double(runtime.now().nanoseconds - restartBegan.nanoseconds) / 1e6)
            state.restartBegan = restartBegan
            state.system = system
            state.journal = journal
            state.up = true
        }
    }

    func violation(_ invariant: Invariant, _ example: String) {
        state.withLock { $0.violations.add(invariant, example) }
    }

    /// A violation of one of recovery's own checks: under its invariant, or, for a check the
    /// runner does not name yet, under `recoverySucceeds` with the check's name.
    func recoveryViolation(_ check: String, _ example: String) {
        if let invariant = Invariant(recoveryCheck: check) {
            violation(invariant, example)
        } else {
            violation(.recoverySucceeds, "\(check): \(example)")
        }
    }

    /// The crash figures, and the invariants only crashes check (present whenever the run may
    /// crash, so that a clean run shows them holding).
    func report() -> (figures: RunReport.RecoveryFigures, invariants: [RunReport.InvariantResult]) {
        state.withLock { state in
            var tally = state.violations
            tally.list(.acknowledgedSurvivesCrash)
            tally.list(.recoverySucceeds)
            tally.list(.webhooksOwedAfterRecoveryDelivered)
            return (state.figures, tally.results)
        }
    }

    /// An integer JSON field of a flat body, e.g. `"amount_received":1234`.
    static func integerField(_ name: String, in body: String) -> Int64? {
        guard let range = body.range(of: "\"\(name)\":") else { return nil }
        let digits = body[range.upperBound...].prefix { $0 == "-" || $0.isNumber }
        return Int64(digits)
    }
}
