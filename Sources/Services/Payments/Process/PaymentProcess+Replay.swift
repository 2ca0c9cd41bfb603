import Core
import Ledger
import PaystormRuntime

/// Recovery: the process takes its payment's journal records, in journal order, as the inputs
/// the live process took. A transition's command and next step go through the live
/// `transition` (Core's machine: state, amounts, events) and `handle(.journaled)` (its events,
/// the creation event with the first durable record); a booking its record carries is the
/// `.booked` input it became (the hold, the settled amounts, the locked rate, what the network
/// is owed).
///
/// A transition whose replay does not give the journaled result (two transitions of one
/// payment appended concurrently can land out of order) is taken as journaled, and the earlier
/// transition, landing after it, only owes its events.
extension PaymentProcess {
    /// The payment its first journaled record names, created, before that record's transition.
    init(
        opening journaled: RecoveredPayment, at time: Int64, settlement: Currency
    ) throws(PaymentTransitionError) {
        let network = journaled.network ?? .visa
        let amount = journaled.payment.amount
        self.init(
            record: PaymentRecord(
                id: journaled.id, merchant: journaled.merchant, payment: try Payment(amount: amount),
                network: network,
                parties: PaymentBookkeeping.Parties(
                    merchant: journaled.merchant, network: network, presentment: amount.currency,
                    settlement: settlement),
                createdAt: SimTime(nanoseconds: time), isFraudulentTruth: false, fingerprint: 0))
    }

    /// One journaled transition of the payment. Returns the actions the live process took once
    /// it was durable (the events it emitted among them, owed until settled).
    mutating func replay(_ journaled: JournaledTransition) -> [Action] {
        let firstIndex = journaled.eventsEmitted - journaled.events.count + 1
        if record.isCreationEventEmitted && journaled.eventsEmitted <= record.eventsEmitted {
            return emit(journaled.events, firstIndex: firstIndex, of: record)
        }
        if let network = journaled.result.network, network != record.network {
            record.route(network: network, fingerprint: record.fingerprint, card: record.card)
        }
        let before = record
        var context = Self.replayContext(at: journaled.timeNanoseconds)
        var actions: [Action] = []
        transition(journaled.command, &context, then: journaled.next, into: &actions)
        if case .journal(let transition)? = actions.first,
            RecoveredPayment(record) == journaled.result, record.eventsEmitted == journaled.eventsEmitted
        {
            actions = handle(.journaled(transition), &context)
        } else {
            record = before
            adopt(journaled.result, eventsEmitted: journaled.eventsEmitted)
            switch journaled.command {
            case .authorizationResult(.approved), .inquiryResult(.approved): record.authorizedAt = context.now
            default: break
            }
            actions = emit(journaled.events, firstIndex: firstIndex, of: record)
        }
        return actions
    }

    /// The payment opened without a transition: its creation event is durable.
    mutating func replayOpening() -> [Action] {
        emit([], firstIndex: record.eventsEmitted + 1, of: record)
    }

    /// Takes the payment as `journaled` shows it: a result no replay reaches (see above).
    private mutating func adopt(_ journaled: RecoveredPayment, eventsEmitted: Int) {
        record.payment = journaled.payment
        record.eventsEmitted = max(record.eventsEmitted, eventsEmitted)
    }

    /// A journaled booking intent of the payment, booked: the `.booked` input the live process
    /// took. Returns what the network is owed for it. An automatic capture that follows a hold
    /// is journaled as a transition of its own, so the one `booked` starts is undone here.
    mutating func replay(_ booking: Booking) -> [Action] {
        var context = Self.replayContext(at: record.createdAt.nanoseconds)
        var actions: [Action] = []
        booked(booking, &context, into: &actions)
        for case .journal(let capture) in actions { undo(to: capture.previous) }
        return actions
    }

    /// What a replay may read besides the record: the journaled time, and nothing planted.
    private static func replayContext(at nanoseconds: Int64) -> Context {
        Context(
            now: SimTime(nanoseconds: nanoseconds), fees: FeeSchedule(), plantedBug: nil, inquiriesMax: 0,
            transferIDs: TransferIDSequence(producer: 0))
    }
}
