/// One sleep in `ConcurrentTimers`, made before it parks so that a wake or a cancellation that
/// comes first is remembered: the park then returns (or throws) at once.
final class TimerSleeper: @unchecked Sendable {
    // @unchecked: `phase` and `continuation` are read and written only under the lock of the
    // `ConcurrentTimers` the sleeper parks in.

    enum Phase {
        /// Made, not parked yet.
        case waiting
        /// Parked with its continuation, in the timetable.
        case parked
        /// Woken (`RuntimeAlarm.ring`) before it parked.
        case woken
        /// Cancelled before it parked.
        case cancelled
        /// Resumed: by its tick, a wake or a cancellation. Its timetable entry is left to
        /// lapse with its tick.
        case ended
    }

    var phase = Phase.waiting
    var continuation: UnsafeContinuation<Void, any Error>?
}
