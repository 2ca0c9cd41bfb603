import HeapModule

/// The concurrent runtime's parked sleepers, bucketed by the tick (a whole number of
/// `ConcurrentTimers.tickNanoseconds`) at or after their deadline: what the one timer of
/// `ConcurrentTimers` fires, without the timer itself (why one timer: see there). A sleep costs
/// a dictionary append, and a heap insertion only when its tick is new.
struct TickTimetable {
    private var buckets: [Int64: [TimerSleeper]] = [:]
    private var ticks = Heap<Int64>()

    /// Sleepers parked, cancelled ones included until their tick comes.
    private(set) var count = 0

    /// The earliest tick with a parked sleeper.
    var earliestTick: Int64? { ticks.min }

    /// Parks `sleeper` until `tick`.
    mutating func insert(_ sleeper: TimerSleeper, tick: Int64) {
        count += 1
        if buckets[tick]?.append(sleeper) == nil {
            buckets[tick] = [sleeper]
            ticks.insert(tick)
        }
    }

    /// Removes and returns the sleepers due at or before `tick`, earliest tick first.
    mutating func popDue(throughTick tick: Int64) -> [TimerSleeper] {
        var due: [TimerSleeper] = []
        while let earliest = ticks.min, earliest <= tick {
            _ = ticks.removeMin()
            if let bucket = buckets.removeValue(forKey: earliest) {
                if due.isEmpty {
                    due = bucket
                } else {
                    due.append(contentsOf: bucket)
                }
            }
        }
        count -= due.count
        return due
    }
}
