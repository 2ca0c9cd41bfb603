/// The rules of the event sink's side of webhook delivery across a crash and restart of the
/// dispatcher: where an emitted event goes. `PaymentEventSink` holds it under a lock and
/// performs its actions.
///
/// The sink keeps nothing for a restart: every event, a payment's creation included, is
/// emitted after the journal record that names it is durable (a transactional outbox), so a
/// restarted dispatcher finds in the journal everything the dead one had not settled.
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
        /// The dispatcher is down: the event is in the journal, and the restarted dispatcher
        /// rebuilds it from there.
        case leaveToJournal
        /// Webhooks are off.
        case drop
    }

    /// Dispatchers of earlier lives kept for the run's figures (one per crash).
    static var earlierLivesMax: Int { 1_024 }

    private(set) var phase: Phase?
    /// The killed dispatchers, oldest first (their counters join the run's figures); beyond
    /// `earlierLivesMax`, not kept.
    private(set) var earlierLives: [Dispatcher] = []
    /// The dispatcher the last crash killed: its successor takes over its endpoint table.
    private(set) var lastKilled: Dispatcher?

    init(dispatcher: Dispatcher?) {
        phase = dispatcher.map { .up($0) }
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

    /// An event was emitted.
    func emitted() -> EmitAction {
        switch phase {
        case .up(let dispatcher): .enqueue(dispatcher)
        case .down: .leaveToJournal
        case nil: .drop
        }
    }

    /// The running dispatcher crashes; `successor` will replace it.
    /// - Returns: the dispatcher to kill, nil when none is running (down already, or off).
    mutating func crash(successor: Dispatcher) -> Dispatcher? {
        guard case .up(let dead) = phase else { return nil }
        phase = .down(successor: successor)
        lastKilled = dead
        if earlierLives.count < Self.earlierLivesMax { earlierLives.append(dead) }
        return dead
    }

    /// The successor starts serving.
    /// - Returns: it, nil when the dispatcher was not down.
    mutating func restart() -> Dispatcher? {
        guard case .down(let successor) = phase else { return nil }
        phase = .up(successor)
        return successor
    }
}
