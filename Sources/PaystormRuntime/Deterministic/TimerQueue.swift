import HeapModule

/// The virtual clock's parked sleepers, ordered by deadline and then by the order they were
/// parked, so that equal deadlines fire in a reproducible order.
///
/// A sleeper is reserved first (`reserve`), then attached with its continuation. Cancellation
/// may arrive between the two (a task cancelled before it parks); it is remembered, and
/// `attach` then refuses the sleeper so the caller resumes it with `CancellationError`.
struct TimerQueue {
    struct Entry: Comparable {
        var deadline: Int64
        var id: UInt64
        static func < (lhs: Entry, rhs: Entry) -> Bool {
            (lhs.deadline, lhs.id) < (rhs.deadline, rhs.id)
        }
    }

    private var heap = Heap<Entry>()
    private var waiting: [UInt64: UnsafeContinuation<Void, any Error>] = [:]
    /// Reserved but not yet attached; `true` once cancelled in between.
    private var reserved: [UInt64: Bool] = [:]
    private var nextID: UInt64 = 0

    /// Live sleepers.
    var count: Int { waiting.count }

    mutating func reserve() -> UInt64 {
        defer { nextID += 1 }
        reserved[nextID] = false
        return nextID
    }

    /// Parks the continuation until `deadline`; false if the sleeper was cancelled already.
    mutating func attach(
        _ id: UInt64, deadline: Int64, _ continuation: UnsafeContinuation<Void, any Error>
    ) -> Bool {
        if reserved.removeValue(forKey: id) == true { return false }
        heap.insert(Entry(deadline: deadline, id: id))
        waiting[id] = continuation
        return true
    }

    /// Removes a sleeper on cancellation; returns its continuation if it was parked.
    mutating func cancel(_ id: UInt64) -> UnsafeContinuation<Void, any Error>? {
        if let continuation = waiting.removeValue(forKey: id) { return continuation }
        // Cancelled before it parked: remember it so that `attach` refuses it. Cancelled after it
        // fired: nothing to do.
        if reserved[id] != nil { reserved[id] = true }
        return nil
    }

    /// The earliest deadline of a live sleeper, dropping cancelled entries on the way.
    mutating func nextDeadline() -> Int64? {
        while let top = heap.min {
            if waiting[top.id] != nil { return top.deadline }
            _ = heap.removeMin()
        }
        return nil
    }

    /// Removes every live sleeper due at or before `now` and appends it to `due`, earliest
    /// first.
    mutating func popDue(now: Int64, into due: inout [UnsafeContinuation<Void, any Error>]) {
        while let top = heap.min, top.deadline <= now {
            _ = heap.removeMin()
            if let continuation = waiting.removeValue(forKey: top.id) { due.append(continuation) }
        }
    }
}
