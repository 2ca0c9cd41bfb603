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
public final class PaymentEventSink: Sendable {
    let dispatcher: WebhookDispatcher?
    let clock: UnixClock
    let runtime: any Runtime
    private let counts = Mutex(Counts())
    private let log = Mutex(Deque<EmittedEvent>())
    /// Events emitted per payment still held (taken when the payment is retired), for the
    /// invariant "every state change yields exactly one event": bounded like the payments held.
    private let emittedByPayment = Mutex<[PaymentID: Int]>([:])

    /// Emitted events kept for reading back in order (`recentEvents`), oldest dropped first: a
    /// window for tests and diagnostics that does not grow with the run.
    public static let logMax = 4_096

    /// One emitted event, as the sink handed it out.
    public struct EmittedEvent: Sendable, Hashable {
        public let id: EventID
        public let payment: PaymentID
        public let type: PaymentEventType
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
    }

    init(dispatcher: WebhookDispatcher?, clock: UnixClock, runtime: any Runtime) {
        self.dispatcher = dispatcher
        self.clock = clock
        self.runtime = runtime
    }

    public var snapshot: Counts { counts.withLock { $0 } }

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
    func redeliver(_ pending: [PendingWebhook]) async {
        guard let dispatcher else { return }
        for event in pending {
            let webhook = WebhookEvent(
                id: event.eventID, type: event.type.rawValue, merchant: event.merchant,
                createdUnixSeconds: clock.seconds(at: SimTime(nanoseconds: event.timeNs)),
                object: [
                    "id": .string(event.payment.description), "object": .string("payment_intent"),
                    "amount": .integer(event.amount.minorUnits),
                    "currency": .string(event.amount.currency.code.lowercased()),
                ])
            do {
                try await dispatcher.enqueue(webhook)
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
    ) async {
        if !types.isEmpty { emittedByPayment.withLock { $0[id, default: 0] += types.count } }
        for (offset, type) in types.enumerated() {
            let eventID = EventID(id.rawValue << 16 | UInt64(UInt16(truncatingIfNeeded: firstIndex + offset)))
            counts.withLock {
                $0.emitted += 1
                $0.byType[type.rawValue, default: 0] += 1
            }
            log.withLock {
                if $0.count >= Self.logMax { $0.removeFirst() }
                $0.append(EmittedEvent(id: eventID, payment: id, type: type))
            }
            EventTrace.record(
                runtime.now(), "orchestrator", type.rawValue,
                ["payment": id.description, "merchant": merchant.description, "event": eventID.description])
            guard let dispatcher else { continue }
            let event = WebhookEvent(
                id: eventID, type: type.rawValue, merchant: merchant,
                createdUnixSeconds: clock.seconds(at: runtime.now()),
                object: [
                    "id": .string(id.description), "object": .string("payment_intent"),
                    "amount": .integer(amount.minorUnits),
                    "currency": .string(amount.currency.code.lowercased()),
                ])
            do {
                try await dispatcher.enqueue(event)
                counts.withLock { $0.enqueued += 1 }
            } catch {
                counts.withLock {
                    if case .queueFull = error { $0.refusedQueueFull += 1 } else { $0.noEndpoint += 1 }
                }
            }
        }
    }
}
