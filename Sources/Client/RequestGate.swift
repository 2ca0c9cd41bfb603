import Synchronization

/// At most `slotsMax` requests on the wire at once; the others wait here, by priority and then
/// first come first served, until one is answered, and a waiter whose priority has a patience is
/// shed once it has waited that long (`RequestGateStateMachine`).
///
/// AsyncHTTPClient (which the runner used before `WireConnectionPool`) would queue them too,
/// but its pool found a request it timed out or failed by a linear search of its wait queue: once a load outran the pool, every queued request that
/// timed out scanned thousands of others, and the runner spent most of its CPU there (83% of
/// its samples under `perf` on black-friday over the wire) while the server sat idle. Here a
/// waiter only ever leaves from the front of its queue. Without a patience, a run past
/// saturation queued every request until each answer came after its deadline, and its stages
/// answered 0% in time; the waiters shed are told so at once, without a slot.
final class RequestGate: Sendable {
    /// How a request's wait ended.
    enum Entry: Equatable {
        /// It holds a slot: send it, then `leave()`.
        case admitted
        /// It waited its priority's patience without a slot: not sent.
        case shed
        /// Its deadline passed while it waited: not sent.
        case expired
    }

    private typealias Machine = RequestGateStateMachine<CheckedContinuation<Bool, Never>>
    private let machine: Mutex<Machine>

    /// - Parameter patience: how long a waiter of each priority may wait for a slot before it
    ///   is shed; a priority without one waits for its turn.
    init(slotsMax: Int, patience: [RequestPriority: Duration] = [:]) {
        machine = Mutex(Machine(.init(slotsMax: slotsMax, patience: patience)))
    }

    /// Waits for a slot.
    func enter(_ priority: RequestPriority = .followUp, deadline: ContinuousClock.Instant) async -> Entry {
        let admitted: Bool = await withCheckedContinuation { continuation in
            let (arrival, shed) = machine.withLock {
                $0.arrive(continuation, priority: priority, now: .now)
            }
            for waiter in shed { waiter.resume(returning: false) }
            if arrival == .admitted { continuation.resume(returning: true) }
        }
        guard admitted else { return .shed }
        // Granted a slot by `leave`, which handed its own over.
        guard ContinuousClock.now < deadline else {
            leave()
            return .expired
        }
        return .admitted
    }

    /// Gives a slot back: to the first waiter of the highest priority, or free.
    func leave() {
        let (granted, shed) = machine.withLock { $0.release(now: .now) }
        for waiter in shed { waiter.resume(returning: false) }
        granted?.resume(returning: true)
    }

    /// Requests waiting for a slot now.
    var waiting: Int { machine.withLock { $0.waiting } }
}
