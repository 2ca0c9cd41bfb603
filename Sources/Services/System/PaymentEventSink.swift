import Core
import DequeModule
import PaystormRuntime
import Synchronization

/// Turns payment state changes into Stripe-style webhook events and hands them to the
/// dispatcher. One event per emitted event type; the counts let the run check "every state
/// change yields exactly one event, delivered or dead-lettered".
///
/// An event's id is its payment's id and its place among the payment's events
/// (`payment << 16 | index`), not a process counter: a system resumed after a crash never
/// reuses an id the endpoints have seen, and an event sent again after a restart is the same
/// event, which the endpoints de-duplicate.
///
/// The dispatcher may crash and restart (`service_crash`): while it is down, events are left to
/// the journal, and the restarted one rebuilds them from it (`WebhookOutboxStateMachine` says
/// what the sink keeps for that).
public final class PaymentEventSink: Sendable {
    private let outbox: Mutex<WebhookOutboxStateMachine<WebhookDispatcher>>
    /// Whether there is a dispatcher at all (webhooks on): without one no event is built.
    private let webhooksOn: Bool
    let clock: UnixClock
    let runtime: any Runtime
    private let counts = Mutex(Counts())
    private let log = Mutex(Deque<EmittedEvent>())
    /// Events emitted per payment still held (taken when the payment is retired), for the
    /// invariant "every state change yields exactly one event": bounded like the payments held.
    private let emittedByPayment = Mutex<[PaymentID: Int]>([:])
    private let observer: (@Sendable (EmittedEvent) -> Void)?

    /// Emitted events kept for reading back in order (`recentEvents`), oldest dropped first: a
    /// window for tests and diagnostics that does not grow with the run.
    public static let logMax = 4_096

    /// One emitted event, as the sink handed it out.
    public struct EmittedEvent: Sendable, Hashable {
        public let id: EventID
        public let payment: PaymentID
        public let type: PaymentEventType
        public let merchant: MerchantID
    }

    public struct Counts: Sendable, Hashable {
        /// Events created, by type.
        public var byType: [String: Int64] = [:]
        public var emitted: Int64 = 0
        /// Handed to the dispatcher.
        public var enqueued: Int64 = 0
        /// Refused by a full dispatcher (back-pressure): counted, and reported as undelivered.
        public var refusedQueueFull: Int64 = 0
        public var noEndpoint: Int64 = 0
        /// Handed over again after a restart (owed by a previous life).
        public var redelivered: Int64 = 0
        /// Emitted while the dispatcher was down: left to the journal, which the restarted
        /// dispatcher rebuilds them from.
        public var leftToJournal: Int64 = 0
        /// Found owed by a restarted dispatcher's rebuild but already in flight there (handed
        /// over live meanwhile): not handed over twice.
        public var rebuildSkippedInFlight: Int64 = 0
    }

    init(
        dispatcher: WebhookDispatcher?, clock: UnixClock, runtime: any Runtime,
        observer: (@Sendable (EmittedEvent) -> Void)? = nil
    ) {
        self.observer = observer
        outbox = Mutex(WebhookOutboxStateMachine(dispatcher: dispatcher))
        webhooksOn = dispatcher != nil
        self.clock = clock
        self.runtime = runtime
    }

    /// The dispatcher endpoint registrations go to: the running one, or, while it is down, the
    /// one that will run after the restart. Nil when webhooks are off.
    var dispatcher: WebhookDispatcher? { outbox.withLock { $0.registrar } }

    /// Whether the dispatcher is down (crashed, not yet restarted).
    public var isDispatcherDown: Bool { outbox.withLock { $0.isDown } }

    /// Every dispatcher of the run, the killed ones first and the running one last: the run's
    /// webhook figures add up their counters.
    public func dispatcherLives() -> [WebhookDispatcher] {
        outbox.withLock { outbox in outbox.earlierLives + (outbox.registrar.map { [$0] } ?? []) }
    }

    /// The dispatcher crashes; `successor` will replace it at the restart.
    /// - Returns: the dispatcher to kill, nil when none is running.
    func crashDispatcher(successor: WebhookDispatcher) -> WebhookDispatcher? {
        outbox.withLock { $0.crash(successor: successor) }
    }

    /// The dispatcher the last crash killed.
    var lastKilledDispatcher: WebhookDispatcher? { outbox.withLock { $0.lastKilled } }

    /// The successor starts taking events.
    /// - Returns: it, nil when the dispatcher was not down.
    func restartDispatcher() -> WebhookDispatcher? {
        outbox.withLock { $0.restart() }
    }

    /// Hands `events` to a restarted `dispatcher`, skipping those already in flight there.
    /// - Returns: how many were handed over.
    func handOver(_ events: [WebhookEvent], to dispatcher: WebhookDispatcher) -> Int {
        var handed = 0
        for event in events {
            do {
                if try dispatcher.enqueue(event, unlessInFlight: true) {
                    handed += 1
                    counts.withLock {
                        $0.enqueued += 1
                        $0.redelivered += 1
                    }
                } else {
                    counts.withLock { $0.rebuildSkippedInFlight += 1 }
                }
            } catch {
                counts.withLock {
                    if case .queueFull = error { $0.refusedQueueFull += 1 } else { $0.noEndpoint += 1 }
                }
            }
        }
        return handed
    }

    /// The webhook event of an owed event: its id, type and object as first sent (`created` is
    /// when its transition was journaled).
    func webhookEvent(_ pending: PendingWebhook) -> WebhookEvent {
        WebhookEvent(
            id: pending.eventID, type: pending.type.rawValue, merchant: pending.merchant,
            createdUnixSeconds: clock.seconds(at: SimTime(nanoseconds: pending.timeNanoseconds)),
            paymentIntent: pending.payment, amount: pending.amount)
    }

    public var snapshot: Counts { counts.withLock { $0 } }

    /// `merchant`'s events among the last `logMax` emitted, newest first, at most `limit`.
    public func recentEvents(of merchant: MerchantID, limit: Int) -> [EmittedEvent] {
        log.withLock { log in Array(log.reversed().lazy.filter { $0.merchant == merchant }.prefix(limit)) }
    }

    /// The types of the events emitted for `payment` among the last `logMax`, in emission order.
    public func recentEvents(for payment: PaymentID) -> [PaymentEventType] {
        log.withLock { log in log.filter { $0.payment == payment }.map(\.type) }
    }

    /// How many events were emitted for `payment`, forgotten as it is read: the caller is
    /// retiring the payment.
    public func takeEmittedCount(for payment: PaymentID) -> Int {
        emittedByPayment.withLock { $0.removeValue(forKey: payment) ?? 0 }
    }

    /// The events emitted per payment not yet retired.
    public func emittedCounts() -> [PaymentID: Int] { emittedByPayment.withLock { $0 } }

    /// After a restart: the events a recovered payment's journaled transitions named were
    /// emitted by an earlier life (or are owed, and redelivered), so they count as emitted.
    func restoreEmittedCount(_ count: Int, for payment: PaymentID) {
        emittedByPayment.withLock { $0[payment] = count }
    }

    /// Hands `pending` (events a previous life emitted and never settled) to the dispatcher
    /// again, under their ids; counted as enqueued (not as emitted: their state changes were
    /// counted when they happened).
    func redeliver(_ pending: [PendingWebhook]) {
        guard let dispatcher else { return }
        for event in pending {
            let webhook = webhookEvent(event)
            do {
                try dispatcher.enqueue(webhook)
                counts.withLock {
                    $0.enqueued += 1
                    $0.redelivered += 1
                }
            } catch {
                counts.withLock {
                    if case .queueFull = error { $0.refusedQueueFull += 1 } else { $0.noEndpoint += 1 }
                }
            }
        }
    }

    /// - Parameter firstIndex: the place of `types[0]` among the payment's events (0 is its
    ///   creation).
    func emit(
        _ types: [PaymentEventType], for id: PaymentID, merchant: MerchantID, amount: Money, firstIndex: Int
    ) {
        if !types.isEmpty { emittedByPayment.withLock { $0[id, default: 0] += types.count } }
        for (offset, type) in types.enumerated() {
            let eventID = PendingWebhook.eventID(payment: id, index: Int64(firstIndex + offset))
            counts.withLock {
                $0.emitted += 1
                $0.byType[type.rawValue, default: 0] += 1
            }
            ProcessorMetrics.emitted(type)
            log.withLock {
                if $0.count >= Self.logMax { $0.removeFirst() }
                $0.append(EmittedEvent(id: eventID, payment: id, type: type, merchant: merchant))
            }
            observer?(EmittedEvent(id: eventID, payment: id, type: type, merchant: merchant))
            EventTrace.record(
                runtime.now(), "orchestrator", type.rawValue,
                [
                    "payment": id.description, "merchant": merchant.description,
                    "event_id": eventID.description,
                ])
            guard webhooksOn else { continue }
            let event = WebhookEvent(
                id: eventID, type: type.rawValue, merchant: merchant,
                createdUnixSeconds: clock.seconds(at: runtime.now()), paymentIntent: id, amount: amount)
            let dispatcher: WebhookDispatcher
            switch outbox.withLock({ $0.emitted() }) {
            case .enqueue(let running): dispatcher = running
            case .leaveToJournal:
                counts.withLock { $0.leftToJournal += 1 }
                continue
            case .drop: continue
            }
            do {
                try dispatcher.enqueue(event)
                counts.withLock { $0.enqueued += 1 }
            } catch {
                counts.withLock {
                    if case .queueFull = error { $0.refusedQueueFull += 1 } else { $0.noEndpoint += 1 }
                }
            }
        }
    }
}
