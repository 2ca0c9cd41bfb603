import HeapModule
import PaystormRuntime
import Synchronization

/// The journeys' waits between their steps (a later capture, a cancel, a refund, a dispute, an
/// authorization's expiry): each wait is an entry here, and when it is due the journey goes on
/// in a new task.
///
/// Why not a task asleep: a suspended task keeps every stack slab its deepest call took until
/// it ends (the task allocator frees slabs only with the task), about 10 KB a waiting journey
/// by a heap profile of a 5-minute run, and a 5-minute run at 8,000 TPS keeps some 60,000
/// journeys waiting. An entry holds only the closure that goes on. One sleeper serves the
/// whole table, woken early when a new entry is due before the one it sleeps for, as the
/// webhook dispatcher's timetable is.
///
/// Entries due at the same instant go on in the order they were scheduled, so a seeded run
/// stays reproducible.
final class JourneyTimetable: Sendable {
    private struct Entry: Comparable {
        var due: Int64
        var order: UInt64
        var resume: @isolated(any) @Sendable () async -> Void

        static func < (lhs: Entry, rhs: Entry) -> Bool { (lhs.due, lhs.order) < (rhs.due, rhs.order) }
        static func == (lhs: Entry, rhs: Entry) -> Bool { (lhs.due, lhs.order) == (rhs.due, rhs.order) }
    }

    private struct State {
        var entries = Heap<Entry>()
        var scheduled: UInt64 = 0
        /// A sleeper runs (`pump`); when the table empties it ends, and the next entry starts
        /// another.
        var isPumping = false
    }

    private let runtime: any Runtime
    private let alarm: any RuntimeAlarm
    private let state = Mutex(State())

    init(runtime: any Runtime) {
        self.runtime = runtime
        self.alarm = runtime.makeAlarm()
    }

    /// Journeys waiting here now.
    var count: Int { state.withLock { $0.entries.count } }

    /// Runs `resume` in a task of its own at `due` (at once when it is past).
    func schedule(at due: SimTime, _ resume: @escaping @isolated(any) @Sendable () async -> Void) {
        enum Wake { case none, ring, start }
        let wake: Wake = state.withLock { state in
            let entry = Entry(due: due.nanoseconds, order: state.scheduled, resume: resume)
            state.scheduled &+= 1
            let isEarliest = state.entries.min.map { entry < $0 } ?? true
            state.entries.insert(entry)
            if !state.isPumping {
                state.isPumping = true
                return .start
            }
            return isEarliest ? .ring : .none
        }
        switch wake {
        case .none: break
        case .ring: alarm.ring()
        case .start: runtime.spawn { await self.pump() }
        }
    }

    /// Starts what is due, sleeps until the next entry (or a ring), until the table is empty.
    private func pump() async {
        var due: [@isolated(any) @Sendable () async -> Void] = []
        while true {
            let now = runtime.now().nanoseconds
            let next: Int64? = state.withLock { state in
                while let earliest = state.entries.min, earliest.due <= now {
                    due.append(state.entries.removeMin().resume)
                }
                guard let earliest = state.entries.min else {
                    state.isPumping = false
                    return nil
                }
                return earliest.due
            }
            for resume in due { runtime.spawn(resume) }
            due.removeAll(keepingCapacity: true)
            guard let next else { return }
            await alarm.sleep(until: SimTime(nanoseconds: next))
        }
    }
}
