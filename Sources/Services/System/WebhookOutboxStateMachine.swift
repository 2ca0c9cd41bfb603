import Core

/// The rules of the event sink's side of webhook delivery across a crash and restart of the
/// dispatcher: where an emitted event goes, and what the sink must keep so that a restarted
/// dispatcher loses nothing. `PaymentEventSink` holds it under a lock and performs its actions.
///
/// Why the sink keeps anything: every event but a payment's creation is emitted after the
/// transition that names it is journaled, so a restarted dispatcher finds it in the journal.
/// The creation event goes out before the payment's first transition is journaled (screening
/// comes first); until then the journal cannot show it, so the sink keeps it
/// (`unjournaledCreations`) and hands it to the restarted dispatcher itself.
///
/// Generic over the dispatcher so that the rules are tested with plain values.
struct WebhookOutboxStateMachine<Dispatcher> {
    enum Phase {
        /// Events go to this dispatcher.
        case up(Dispatcher)
        /// The dispatcher crashed; `successor` takes endpoint registrations (the merchants'
        /// configuration) and delivers nothing until the restart.
        case down(successor: Dispatcher)
    }

    /// Where one emitted event goes.
    enum EmitAction {
        case enqueue(Dispatcher)
        /// The dispatcher is down: the event is in the journal (or, a creation event, kept
        /// here) and the restarted dispatcher rebuilds it from there.
        case leaveToJournal
        /// Webhooks are off.
        case drop
    }

    /// Creation events kept at most while their payment's first transition is unjournaled;
    /// beyond, counted in `creationsUntracked` (a restart in that instant could miss them).
    static var unjournaledCreationsMax: Int { 65_536 }
    /// Dispatchers of earlier lives kept for the run's figures (one per crash).
    static var earlierLivesMax: Int { 1_024 }

    private(set) var phase: Phase?
    /// Whether the dispatcher may crash: only then are creation events kept.
    let tracksCreations: Bool
    private(set) var unjournaledCreations: [PaymentID: WebhookEvent] = [:]
    private(set) var creationsUntracked: Int64 = 0
    /// Events emitted while the dispatcher was down, left to the journal.
    private(set) var leftToJournal: Int64 = 0
    /// The killed dispatchers, oldest first (their counters join the run's figures).
    private(set) var earlierLives: [Dispatcher] = []
    private(set) var earlierLivesDropped = 0
    /// The dispatcher the last crash killed: its successor takes over its endpoint table.
    private(set) var lastKilled: Dispatcher?

    init(dispatcher: Dispatcher?, tracksCreations: Bool) {
        phase = dispatcher.map { .up($0) }
        self.tracksCreations = tracksCreations
    }

    /// The dispatcher endpoint registrations go to: the running one, or while it is down the
    /// one that will run after the restart.
    var registrar: Dispatcher? {
        switch phase {
        case .up(let dispatcher): dispatcher
        case .down(let successor): successor
        case nil: nil
        }
    }

    var isDown: Bool {
        if case .down = phase { true } else { false }
    }

    /// An event was emitted as the `index`th of `payment` (0: its creation).
    mutating func emitted(_ event: WebhookEvent, payment: PaymentID, index: Int) -> EmitAction {
        if tracksCreations {
            if index == 0 {
                if unjournaledCreations.count < Self.unjournaledCreationsMax {
                    unjournaledCreations[payment] = event
                } else {
                    creationsUntracked += 1
                }
            } else if !unjournaledCreations.isEmpty {
                // A later event is emitted after its transition is journaled, and the first
                // transition journals the creation too.
                unjournaledCreations[payment] = nil
            }
        }
        switch phase {
        case .up(let dispatcher): return .enqueue(dispatcher)
        case .down:
            leftToJournal += 1
            return .leaveToJournal
        case nil: return .drop
        }
    }

    /// The payment is retired: nothing of it is owed any more.
    mutating func retired(_ payment: PaymentID) {
        if !unjournaledCreations.isEmpty { unjournaledCreations[payment] = nil }
    }

    /// The running dispatcher crashes; `successor` will replace it.
    /// - Returns: the dispatcher to kill, nil when none is running (down already, or off).
    mutating func crash(successor: Dispatcher) -> Dispatcher? {
        guard case .up(let dead) = phase else { return nil }
        phase = .down(successor: successor)
        lastKilled = dead
        if earlierLives.count < Self.earlierLivesMax {
            earlierLives.append(dead)
        } else {
            earlierLivesDropped += 1
        }
        return dead
    }

    /// The successor starts serving.
    /// - Returns: it, and the creation events the journal may not show yet, to hand it (in
    ///   event order); nil when the dispatcher was not down.
    mutating func restart() -> (dispatcher: Dispatcher, creations: [WebhookEvent])? {
        guard case .down(let successor) = phase else { return nil }
        phase = .up(successor)
        return (successor, unjournaledCreations.values.sorted { $0.id < $1.id })
    }
}
