import Synchronization

/// `RuntimeAlarm` on the monotonic clock: the sleeper waits on a continuation that a timer
/// task or a ring resumes, whichever comes first; a ring cancels the timer.
final class ConcurrentAlarm: RuntimeAlarm {
    private struct State {
        var rung = false
        var sleeper: CheckedContinuation<Void, Never>?
        var timer: Task<Void, Never>?
        /// Tells a late timer of an earlier sleep from the current one.
        var generation: UInt64 = 0
    }

    private let runtime: ConcurrentRuntime
    private let state = Mutex(State())

    init(runtime: ConcurrentRuntime) { self.runtime = runtime }

    func sleep(until deadline: SimTime) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let generation: UInt64? = state.withLock { state in
                if state.rung {
                    state.rung = false
                    return nil
                }
                state.generation &+= 1
                state.sleeper = continuation
                return state.generation
            }
            guard let generation else { return continuation.resume() }
            // The concurrent runtime's own timer (the global pool and the real clock, as its
            // `spawn` uses); deterministic runs use `DeterministicAlarm`.
            let timer = Task.detached { [runtime] in
                try? await runtime.sleep(until: deadline)
                self.fire(generation)
            }
            let stale = state.withLock { state in
                guard state.generation == generation, state.sleeper != nil else { return true }
                state.timer = timer
                return false
            }
            if stale { timer.cancel() }
        }
    }

    private func fire(_ generation: UInt64) {
        let sleeper = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.generation == generation, let sleeper = state.sleeper else { return nil }
            state.sleeper = nil
            state.timer = nil
            return sleeper
        }
        sleeper?.resume()
    }

    func ring() {
        let (sleeper, timer) = state.withLock {
            state -> (CheckedContinuation<Void, Never>?, Task<Void, Never>?) in
            guard let sleeper = state.sleeper else {
                state.rung = true
                return (nil, nil)
            }
            state.sleeper = nil
            defer { state.timer = nil }
            return (sleeper, state.timer)
        }
        timer?.cancel()
        sleeper?.resume()
    }
}
