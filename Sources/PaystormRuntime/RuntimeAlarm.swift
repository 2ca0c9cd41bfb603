/// A sleep that another task can cut short: one task sleeps on it until a deadline, others
/// `ring` it when something it must see has happened sooner.
///
/// Why: a service that keeps its own timetable (the webhook dispatcher's queue of attempts
/// ordered by when each is due) needs one sleeper for the whole table, woken early when a
/// new entry is due before the one it sleeps for. A task and a timer per entry cost several
/// executor jobs each; this costs one wake per due time.
///
/// A ring with no sleeper is kept: the next `sleep` returns at once, so a ring that races the
/// sleeper's decision to sleep is never lost. A spurious wake is possible; sleepers re-check
/// their state after every wake.
public protocol RuntimeAlarm: AnyObject, Sendable {
    /// Suspends until `deadline` or until `ring()`, whichever comes first. One sleeper at a
    /// time.
    func sleep(until deadline: SimTime) async

    /// Wakes the sleeper now, or the next one if none sleeps.
    func ring()
}
