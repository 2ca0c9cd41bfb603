import Synchronization

/// `RuntimeAlarm` on the virtual clock: the sleeper is one of the executor's parked timers, and
/// a ring takes it out of the timer queue and resumes it at the current virtual time.
final class DeterministicAlarm: RuntimeAlarm {
    private struct State {
        var rung = false
        var sleeper: UInt64?
    }

    private let executor: DeterministicExecutor
    private let state = Mutex(State())

    init(executor: DeterministicExecutor) { self.executor = executor }

    func sleep(until deadline: SimTime) async {
        let id: UInt64? = state.withLock { state in
            if state.rung {
                state.rung = false
                return nil
            }
            let id = executor.reserveSleeper()
            state.sleeper = id
            return id
        }
        guard let id else { return }
        await executor.park(until: deadline.nanoseconds, reserved: id)
        state.withLock { if $0.sleeper == id { $0.sleeper = nil } }
    }

    func ring() {
        let id: UInt64? = state.withLock { state in
            guard let id = state.sleeper else {
                state.rung = true
                return nil
            }
            state.sleeper = nil
            return id
        }
        if let id { executor.wake(id) }
    }
}
