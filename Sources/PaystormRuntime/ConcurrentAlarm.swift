import Synchronization

/// `RuntimeAlarm` on the monotonic clock: the sleeper parks in the runtime's timers until its
/// deadline, and a ring wakes it there.
final class ConcurrentAlarm: RuntimeAlarm {
    private struct State {
        var rung = false
        var sleeper: TimerSleeper?
    }

    private let timers: ConcurrentTimers
    private let state = Mutex(State())

    init(timers: ConcurrentTimers) { self.timers = timers }

    func sleep(until deadline: SimTime) async {
        let sleeper: TimerSleeper? = state.withLock { state in
            if state.rung {
                state.rung = false
                return nil
            }
            let sleeper = TimerSleeper()
            state.sleeper = sleeper
            return sleeper
        }
        guard let sleeper else { return }
        // Not cancellable, as before: only a ring or the deadline ends an alarm's sleep.
        try? await timers.park(sleeper, until: deadline.nanoseconds)
        state.withLock { if $0.sleeper === sleeper { $0.sleeper = nil } }
    }

    func ring() {
        let sleeper: TimerSleeper? = state.withLock { state in
            guard let sleeper = state.sleeper else {
                state.rung = true
                return nil
            }
            state.sleeper = nil
            return sleeper
        }
        guard let sleeper else { return }
        // The sleeper's tick may have woken it already, between its wake and its clearing
        // `state.sleeper`: the ring is then kept for the next sleep, never lost.
        if !timers.wake(sleeper) { state.withLock { $0.rung = true } }
    }
}
