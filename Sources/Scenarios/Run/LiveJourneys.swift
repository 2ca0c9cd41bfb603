import Core
import PaystormRuntime
import Synchronization

/// The journeys still running, and where each stands: what the liveness phase reads when its
/// bound runs out, to name the payments that did not settle (Jepsen's "the history has
/// operations that never completed").
///
/// Synchronous (a lock, no actor): a journey notes its steps without suspending, so the
/// bookkeeping does not change the run's schedule. Holds one entry per journey in flight,
/// which the generator's own bound on in-flight work limits.
final class LiveJourneys: Sendable {
    struct Entry: Sendable {
        var key: String
        var payment: PaymentID?
        /// The request in flight, or the plan step being waited for.
        var step: String
        /// Set while the journey sleeps until its plan's next step (a well-defined wait).
        var waitingUntil: SimTime?
    }

    private struct State {
        var entries: [Int: Entry] = [:]
        var healed = false
        var closed = false
        var refusalsRetried = 0
        var unknownResolved = 0
        var pastBound = 0
    }

    private let state = Mutex(State())

    func begin(_ number: Int, key: String) {
        state.withLock { $0.entries[number] = Entry(key: key, step: "create_payment") }
    }

    func note(_ number: Int, step: String, payment: PaymentID? = nil, waitingUntil: SimTime? = nil) {
        state.withLock { state in
            guard var entry = state.entries[number] else { return }
            entry.step = step
            if let payment { entry.payment = payment }
            entry.waitingUntil = waitingUntil
            state.entries[number] = entry
        }
    }

    func end(_ number: Int) { state.withLock { $0.entries[number] = nil } }

    /// The faults are healed: journeys with unknown outcomes may make their final reads.
    func markHealed() { state.withLock { $0.healed = true } }
    var isHealed: Bool { state.withLock { $0.healed } }

    /// The liveness bound ran out: journeys still retrying give up (their payments are
    /// reported, not waited for).
    func close() { state.withLock { $0.closed = true } }
    var isClosed: Bool { state.withLock { $0.closed } }

    func noteRefusalRetried() { state.withLock { $0.refusalsRetried += 1 } }
    func noteUnknownResolved() { state.withLock { $0.unknownResolved += 1 } }
    func notePastBound() { state.withLock { $0.pastBound += 1 } }

    /// The counts for the report's chaos figures.
    var figures: (refusalsRetried: Int, unknownResolved: Int, pastBound: Int) {
        state.withLock { ($0.refusalsRetried, $0.unknownResolved, $0.pastBound) }
    }

    /// The journeys in flight, by number.
    var snapshot: [(number: Int, entry: Entry)] {
        state.withLock { $0.entries.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
    }
}
