import DequeModule
import Synchronization

/// At most `slotsMax` requests on the wire at once; the others wait here, first come first
/// served, until one is answered.
///
/// AsyncHTTPClient would queue them too, but its pool finds a request it times out or fails by
/// a linear search of its wait queue: once a load outran the pool, every queued request that
/// timed out scanned thousands of others, and the runner spent most of its CPU there (83% of
/// its samples under `perf` on black-friday over the wire) while the server sat idle. Here a
/// waiter only ever leaves from the front, and one whose deadline passed while it waited is
/// told so at once instead of being sent late.
final class RequestGate: Sendable {
    private struct State {
        var inFlight = 0
        var waiters = Deque<CheckedContinuation<Void, Never>>()
    }

    let slotsMax: Int
    private let state = Mutex(State())

    init(slotsMax: Int) {
        precondition(slotsMax > 0, "a gate needs a slot")
        self.slotsMax = slotsMax
    }

    /// Waits for a slot; returns false (holding none) when `deadline` passed meanwhile.
    func enter(deadline: ContinuousClock.Instant) async -> Bool {
        let admitted = state.withLock { state -> Bool in
            guard state.inFlight < slotsMax, state.waiters.isEmpty else { return false }
            state.inFlight += 1
            return true
        }
        if admitted { return true }
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                // A slot freed between the two locks: take it rather than wait for the next.
                guard state.inFlight < slotsMax, state.waiters.isEmpty else {
                    state.waiters.append(continuation)
                    return false
                }
                state.inFlight += 1
                return true
            }
            if now { continuation.resume() }
        }
        // Resumed by `leave`, which handed its slot over.
        guard ContinuousClock.now < deadline else {
            leave()
            return false
        }
        return true
    }

    /// Gives a slot back: to the first waiter, or free.
    func leave() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let next = state.waiters.popFirst() { return next }
            state.inFlight -= 1
            return nil
        }
        next?.resume()
    }

    /// Requests waiting for a slot now.
    var waiting: Int { state.withLock { $0.waiters.count } }
}
