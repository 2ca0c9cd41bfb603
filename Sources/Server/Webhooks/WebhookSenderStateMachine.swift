import DequeModule

/// The webhook sender's rules without its I/O: which delivery starts now, which waits for a
/// slot, which a full queue dead-letters, when a retry goes back in line, and when the API should
/// wait for the line to shorten before it makes more events.
///
/// Why a line of its own and not the HTTP client's: the sender bounds what it holds (waiting
/// and retrying together) and dead-letters past that, and an API that produces events faster
/// than endpoints take them is slowed down (pushed back) before that bound is reached, instead
/// of dead-lettering events it could have delivered a little later.
struct WebhookSenderStateMachine<Delivery> {
    /// Attempts in flight at once.
    let concurrentMax: Int
    /// Deliveries held at once (waiting for a slot, and waiting for a retry); past that a new
    /// one is dead-lettered at once.
    let queueMax: Int
    /// From this many deliveries waiting for a slot, the API waits before it makes more events;
    /// it goes on once the line is down to half of it.
    let pushbackWaitingMin: Int

    private(set) var waiting = Deque<Delivery>()
    private(set) var inFlight = 0
    private(set) var retrying = 0
    /// Stopped: nothing starts any more; what is in flight finishes.
    private(set) var stopped = false
    /// The line reached `pushbackWaitingMin` and has not yet drained to half of it.
    private(set) var isBackedUp = false

    init(concurrentMax: Int, queueMax: Int, pushbackWaitingMin: Int) {
        precondition(concurrentMax > 0 && queueMax > 0 && pushbackWaitingMin > 0)
        self.concurrentMax = concurrentMax
        self.queueMax = queueMax
        self.pushbackWaitingMin = pushbackWaitingMin
    }

    enum SendAction {
        /// Start the attempt now: a slot is taken for it.
        case start(Delivery)
        /// It waits in line for a slot.
        case queued
        /// The queue is full: dead-letter it now.
        case deadLetter(Delivery)
        /// The sender stopped: it is neither sent nor settled (a journal still owes it).
        case drop(Delivery)
    }

    /// A new delivery (or one sent again from the dead letters).
    mutating func send(_ delivery: Delivery) -> SendAction {
        guard !stopped else { return .drop(delivery) }
        guard waiting.count + retrying < queueMax else { return .deadLetter(delivery) }
        return admit(delivery)
    }

    /// An attempt ended (whatever its outcome): its slot goes to the first delivery in line,
    /// returned to be started, or is freed.
    mutating func attemptFinished() -> Delivery? {
        precondition(inFlight > 0, "an attempt finished that never started")
        if !stopped, let next = waiting.popFirst() {
            updateBackedUp()
            return next
        }
        inFlight -= 1
        return nil
    }

    /// A failed attempt will be retried after its backoff. False once stopped: no retry then.
    mutating func retryScheduled() -> Bool {
        guard !stopped else { return false }
        retrying += 1
        return true
    }

    /// A retry's backoff ended: it starts or waits in line (it was counted in the queue while
    /// it waited, so a full queue does not refuse it).
    mutating func retryDue(_ delivery: Delivery) -> SendAction {
        precondition(retrying > 0, "a retry came due that was never scheduled")
        retrying -= 1
        guard !stopped else { return .drop(delivery) }
        return admit(delivery)
    }

    /// Stops: the deliveries waiting in line are returned, unsent and unsettled.
    mutating func stop() -> Deque<Delivery> {
        stopped = true
        isBackedUp = false
        defer { waiting = [] }
        return waiting
    }

    /// Nothing in flight: a stopped sender may shut its client down.
    var isIdle: Bool { inFlight == 0 }

    private mutating func admit(_ delivery: Delivery) -> SendAction {
        if inFlight < concurrentMax {
            inFlight += 1
            return .start(delivery)
        }
        waiting.append(delivery)
        updateBackedUp()
        return .queued
    }

    private mutating func updateBackedUp() {
        if waiting.count >= pushbackWaitingMin {
            isBackedUp = true
        } else if waiting.count <= pushbackWaitingMin / 2 {
            isBackedUp = false
        }
    }
}
