import DequeModule

/// The rules of `RequestGate` as a value: at most `slotsMax` requests on the wire; the others
/// wait in one FIFO queue per `RequestPriority`, and a freed slot goes to the first waiter of
/// the highest priority. A waiter of a priority with a patience that has waited that long is
/// shed (told so at once, never sent): past saturation the runner then answers what its
/// connections can carry in time and sheds the rest fast, instead of queueing everything until
/// every answer is late.
///
/// Pure: time comes in as `now`, and no waiter is resumed here; the gate resumes what each
/// method returns. Within one priority every waiter has the same patience, so the first to
/// be shed is always at the front: shedding never scans a queue.
struct RequestGateStateMachine<Waiter> {
    struct Configuration: Sendable, Equatable {
        /// Requests on the wire at once.
        var slotsMax: Int
        /// How long a waiter of each priority may wait for a slot; none: it waits for its turn.
        var patience: [RequestPriority: Duration]

        init(slotsMax: Int, patience: [RequestPriority: Duration] = [:]) {
            precondition(slotsMax > 0, "a gate needs a slot")
            precondition(patience.values.allSatisfy { $0 >= .zero }, "a patience cannot be negative")
            self.slotsMax = slotsMax
            self.patience = patience
        }
    }

    /// What an arriving request does.
    enum Arrival: Equatable {
        case admitted
        case queued
    }

    private struct Queued {
        var waiter: Waiter
        /// When it is shed if still waiting; nil: never.
        var shedAt: ContinuousClock.Instant?
    }

    let configuration: Configuration
    private(set) var inFlight = 0
    private var queues: [Deque<Queued>]

    init(_ configuration: Configuration) {
        self.configuration = configuration
        queues = Array(repeating: Deque(), count: RequestPriority.allCases.count)
    }

    /// Requests waiting for a slot.
    var waiting: Int { queues.reduce(0) { $0 + $1.count } }

    /// A request of `priority` arrives: admitted at once when a slot is free and nobody waits,
    /// else queued. Also returns the waiters shed by now (to be told so).
    mutating func arrive(
        _ waiter: Waiter, priority: RequestPriority, now: ContinuousClock.Instant
    ) -> (arrival: Arrival, shed: [Waiter]) {
        let shed = shedOverdue(now: now)
        if inFlight < configuration.slotsMax && waiting == 0 {
            inFlight += 1
            return (.admitted, shed)
        }
        let shedAt = configuration.patience[priority].map { now + $0 }
        queues[priority.rawValue].append(Queued(waiter: waiter, shedAt: shedAt))
        return (.queued, shed)
    }

    /// A request of any priority takes a free slot at once if nobody waits (nobody can then be
    /// overdue); false: it must `arrive` and wait.
    mutating func admitAtOnce() -> Bool {
        guard inFlight < configuration.slotsMax && waiting == 0 else { return false }
        inFlight += 1
        return true
    }

    /// A request on the wire is done: its slot goes to the first waiter of the highest
    /// priority (returned as `granted`), or is freed. Also returns the waiters shed by now.
    mutating func release(now: ContinuousClock.Instant) -> (granted: Waiter?, shed: [Waiter]) {
        precondition(inFlight > 0, "a slot released that was never taken")
        let shed = shedOverdue(now: now)
        for priority in queues.indices {
            if let next = queues[priority].popFirst() { return (next.waiter, shed) }
        }
        inFlight -= 1
        return (nil, shed)
    }

    /// Takes out every waiter whose patience ran out by `now`: each queue's overdue waiters are
    /// at its front.
    mutating func shedOverdue(now: ContinuousClock.Instant) -> [Waiter] {
        var shed: [Waiter] = []
        for priority in queues.indices {
            while let first = queues[priority].first, let shedAt = first.shedAt, shedAt <= now {
                shed.append(first.waiter)
                queues[priority].removeFirst()
            }
        }
        return shed
    }
}
