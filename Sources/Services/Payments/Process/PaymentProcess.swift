import Core
import Ledger
import PaystormRuntime

/// One payment's lifecycle as the processor runs it, without I/O: it takes an input (a
/// command, a network's answer, a timer, the result of an action it asked for) and returns the
/// actions to carry out, in order. `PaymentOrchestrator` is its executor: it performs each
/// action and feeds the result back.
///
/// Core's `PaymentStateMachine` decides the state and the events; this adds what the
/// processor decides around it: which step follows a transition once it is durable (screen,
/// authorize, inquire, book), which transfers move the money, which obligations the networks
/// are owed, what is undone when the journal refuses a transition.
///
/// The shard holds the record and calls `handle` under its lock, so that a transition applied
/// here is the reservation: a concurrent command sees the new state and is refused. Nothing
/// read before an action's await is trusted after it: each result comes back as an input and
/// is decided against the record as it stands then (or against the transition it carries).
public struct PaymentProcess: Codable, Sendable {
    var record: PaymentRecord

    /// What `handle` may read besides the record: the time, the fee schedule, the planted bug
    /// of a mutation test, the inquiries allowed, and the shard's transfer ids.
    struct Context {
        var now: SimTime
        var fees: FeeSchedule
        var plantedBug: PlantedBug?
        var inquiriesMax: Int
        var transferIDs: TransferIDSequence
    }

    mutating func handle(_ input: Input, _ context: inout Context) -> [Action] {
        switch input {
        case .confirm(let requiresAuthentication, let automatic, let route):
            return confirm(requiresAuthentication: requiresAuthentication, automatic, route, &context)
        case .authenticated(let succeeded, let automatic):
            return succeeded
                ? transition(.actionCompleted, &context, then: .authorize(capturesAutomatically: automatic))
                : transition(.actionAbandoned, &context, then: .decline(.authenticationRequired))
        case .capture(let amount):
            // Across currencies the rate is locked first, so that the capture's record carries
            // its booking; a capture the state refuses is refused without a quote.
            let parties = record.parties
            var trial = record.payment
            if parties.presentment != parties.settlement,
                (try? trial.apply(.capture(amountMinorUnits: amount))) != nil
            {
                return [
                    .lockRate(from: parties.presentment, to: parties.settlement, amountMinorUnits: amount)
                ]
            }
            return transition(.capture(amountMinorUnits: amount), &context, then: .capture)
        case .cancel:
            return transition(.void, &context, then: .release)
        case .refund(let amount):
            return transition(
                .refund(amountMinorUnits: amount), &context, then: .refund(amountMinorUnits: amount))
        case .submitDisputeEvidence:
            return transition(.submitEvidence, &context, then: .done)
        case .screened(let decision, let automatic):
            return screened(decision, automatic, &context)
        case .authorizationAnswered(let result, let isRetry, let automatic):
            return authorizationAnswered(result, isRetry: isRetry, automatic, &context)
        case .inquiryAnswered(let answer, let attempt, let automatic):
            return inquiryAnswered(answer, attempt: attempt, automatic, &context)
        case .disputeOpened(let amount, let isInquiry):
            return transition(
                .openDispute(amountMinorUnits: amount, isInquiry: isInquiry), &context,
                then: isInquiry ? .done : .withdrawDisputedFunds)
        case .inquiryEscalated:
            return transition(.escalateInquiry, &context, then: .withdrawDisputedFunds)
        case .inquiryClosed:
            return transition(.closeInquiry, &context, then: .done)
        case .disputeClosed(let won):
            return transition(
                .closeDispute(won ? .won : .lost), &context, then: won ? .reinstateDisputedFunds : .done)
        case .bankReturned(let notice):
            return transition(.bankReturn, &context, then: .bankReturn(notice))
        case .authorizationExpired:
            return transition(.expire, &context, then: .release)
        case .settlementDue:
            return transition(.settle, &context, then: .done)
        case .restarted:
            return restarted(&context)
        case .journaled(let transition):
            return journaled(transition, &context)
        case .journalRefused(let transition, let error):
            return [.count(.undone(conflict: undo(transition))), .fail(error)]
        case .rateLocked(let rate, let amount):
            return transition(.capture(amountMinorUnits: amount), &context, then: .capture, rate: rate)
        case .booked(let booking):
            return booked(booking, &context)
        }
    }

    // MARK: Transitions

    /// Applies `command` to the record (the reservation), decides what follows (`rate`: a
    /// capture's, locked) and asks for its journal record; what follows waits until that is
    /// durable.
    mutating func transition(
        _ command: PaymentCommand, _ context: inout Context, then next: Next, rate: LockedRate? = nil
    ) -> [Action] {
        let previous = record
        let events: [PaymentEventType]
        do {
            events = try record.payment.apply(command)
        } catch .amountNotStripeCompatible(let command, let state, let currency) {
            return [
                .fail(
                    .invalidAmount(
                        .amountNotStripeCompatible(command: command, state: state, currency: currency)))
            ]
        } catch {
            return [.fail(.unexpectedState(error))]
        }
        switch command {
        case .authorizationResult(.approved), .inquiryResult(.approved): record.authorizedAt = context.now
        default: break
        }
        record.eventsEmitted += events.count
        record.transitions += 1
        // Marked in place: a mapped copy was an array of its own on every transition.
        var followUp = self.next(next, rate: rate, &context)
        for index in followUp.indices {
            if case .book(let booking, _) = followUp[index] {
                followUp[index] = .book(booking, isJournaled: true)
            }
        }
        return [
            .journal(
                Transition(
                    command: command, applied: record, previous: previous, events: events, time: context.now,
                    next: next, followUp: followUp))
        ]
    }

    /// A transition the journal refused did not happen: the payment is again what the journal
    /// shows, unless another command moved it on from the unjournaled state meanwhile (then it
    /// cannot be undone without losing that: returned as the conflict).
    private mutating func undo(_ transition: Transition) -> String? {
        guard record.payment == transition.applied.payment,
            record.eventsEmitted == transition.applied.eventsEmitted
        else {
            return "\(record.id): \(transition.command) refused by the journal, superseded"
        }
        undo(to: transition.previous)
        return nil
    }

    /// Takes the record back to `previous`, from before a transition that did not happen.
    mutating func undo(to previous: PaymentRecord) {
        record.payment = previous.payment
        record.eventsEmitted = previous.eventsEmitted
        record.transitions = previous.transitions
        record.authorizedAt = previous.authorizedAt
    }

    /// The transition is durable: its events go out, and its next step starts.
    private mutating func journaled(_ transition: Transition, _ context: inout Context) -> [Action] {
        var events = transition.events
        switch context.plantedBug {
        case .dropEvent where events.count > 1: events = Array(events.prefix(1))
        case .emitEventTwice where events == [.chargeRefunded]: events += events
        default: break
        }
        let firstIndex = 1 + transition.applied.eventsEmitted - transition.events.count
        // One array, sized once: joining the pieces with `+` allocated one for each.
        var actions: [Action] = []
        actions.reserveCapacity(3 + transition.followUp.count)
        emit(events, firstIndex: firstIndex, of: transition.applied, into: &actions)
        actions.append(.count(.transition))
        actions.append(contentsOf: transition.followUp)
        return actions
    }

    /// The events of a durable record of the payment, as its `firstIndex`th onwards; the first
    /// durable record of the payment makes its creation durable too, so its event goes first.
    mutating func emit(_ events: [PaymentEventType], firstIndex: Int, of applied: PaymentRecord) -> [Action] {
        var actions: [Action] = []
        actions.reserveCapacity(2)
        emit(events, firstIndex: firstIndex, of: applied, into: &actions)
        return actions
    }

    /// `emit`, appending to `actions`.
    private mutating func emit(
        _ events: [PaymentEventType], firstIndex: Int, of applied: PaymentRecord, into actions: inout [Action]
    ) {
        if !record.isCreationEventEmitted {
            record.isCreationEventEmitted = true
            actions.append(
                .emit(
                    Self.creationEvents, firstIndex: 0, merchant: applied.merchant,
                    amount: applied.payment.amount))
        }
        actions.append(
            .emit(events, firstIndex: firstIndex, merchant: applied.merchant, amount: applied.payment.amount))
    }

    /// The creation event's list, made once (a literal is an array allocated at each use).
    static let creationEvents: [PaymentEventType] = [.paymentIntentCreated]

    /// What follows a transition just applied (the record is `applied`).
    private mutating func next(_ next: Next, rate: LockedRate?, _ context: inout Context) -> [Action] {
        let applied = record
        switch next {
        case .done:
            return []
        case .decline(let code):
            return [.fail(.cardDeclined(record.id, code))]
        case .challenge(let automatic):
            return [.challenge(capturesAutomatically: automatic)]
        case .waitForCustomer:
            return [.waitForCustomer]
        case .authorize(let automatic):
            return [.authorize(isRetry: false, capturesAutomatically: automatic)]
        case .bookHold(let automatic):
            let hold = PaymentBookkeeping.authorizationHold(
                context.transferIDs.next(), record.parties, amount: record.payment.amountCapturableMinorUnits)
            return [.book(Booking(transfers: [hold], purpose: .hold(hold, capturesAutomatically: automatic)))]
        case .inquire(let automatic, let countsTimeout):
            return (countsTimeout ? [.count(.authorizationTimeout)] : [])
                + [.inquire(attempt: 1, capturesAutomatically: automatic)]
        case .reverse:
            return [
                .count(.reversal),
                .owe(
                    NetworkObligation(
                        payment: record.id, network: applied.network, kind: .reversal, transfers: [])),
                .fail(.cardDeclined(record.id, .processingError)),
            ]
        case .capture:
            return bookCapture(applied, rate: rate, &context)
        case .release:
            guard let hold = applied.hold else { return [oweReversal(applied)] }
            let void = Transfer.void(context.transferIDs.next(), of: hold)
            return [.book(Booking(transfers: [void], purpose: .release))]
        case .refund(let amount):
            return bookRefund(amount, applied, &context)
        case .withdrawDisputedFunds:
            return bookDisputeWithdrawal(applied, &context)
        case .reinstateDisputedFunds:
            return bookDisputeReinstatement(applied, &context)
        case .bankReturn(let notice):
            let transfers = PaymentBookkeeping.bankReturn(
                context.transferIDs.nextPair(), applied.parties,
                amount: applied.payment.amountCapturedMinorUnits,
                settled: applied.capturedSettled)
            return [
                .book(
                    Booking(
                        transfers: transfers, network: applied.network, day: notice.day,
                        purpose: .bankReturn(notice.code, settledMinorUnits: applied.capturedSettled)))
            ]
        }
    }

    func oweReversal(_ record: PaymentRecord) -> Action {
        .owe(NetworkObligation(payment: record.id, network: record.network, kind: .reversal, transfers: []))
    }

    // MARK: Confirmation, screening, authorization

    private mutating func confirm(
        requiresAuthentication: Bool, _ automatic: Bool, _ route: Route?, _ context: inout Context
    ) -> [Action] {
        if let route {
            // Routed again only while untouched: a concurrent confirm of the same payment finds
            // it moved on and is refused.
            guard record.payment.state == .created, record.transitions == 0 else {
                return [
                    .fail(
                        .unexpectedState(
                            .illegal(command: .authorizationResult(.approved), state: record.payment.state)))
                ]
            }
            record.route(network: route.network, fingerprint: route.fingerprint, card: route.card)
        }
        // The customer answers the issuer's challenge later, over the API: nothing waits here.
        if requiresAuthentication { return transition(.requireAction, &context, then: .waitForCustomer) }
        return [.screen(capturesAutomatically: automatic)]
    }

    private mutating func screened(
        _ decision: FraudDecision, _ automatic: Bool, _ context: inout Context
    ) -> [Action] {
        switch decision {
        case .block:
            transition(.authorizationResult(.declined(.fraudulent)), &context, then: .decline(.fraudulent))
        case .requireThreeDSecure:
            transition(.requireAction, &context, then: .challenge(capturesAutomatically: automatic))
        case .approve, .review:
            [.authorize(isRetry: false, capturesAutomatically: automatic)]
        }
    }

    private mutating func authorizationAnswered(
        _ result: NetworkAuthorizationResult?, isRetry: Bool, _ automatic: Bool, _ context: inout Context
    ) -> [Action] {
        switch result {
        case nil:
            // Refused outright (outage): the issuer never saw it, so this is a clean decline.
            transition(
                .authorizationResult(.declined(.issuerNotAvailable)), &context,
                then: .decline(.issuerNotAvailable))
        case .approved:
            transition(
                .authorizationResult(.approved), &context, then: .bookHold(capturesAutomatically: automatic))
        case .declined(let code):
            transition(.authorizationResult(.declined(code)), &context, then: .decline(code))
        case .timedOut where context.plantedBug == .retryAuthorizationAfterTimeout && !isRetry:
            [.authorize(isRetry: true, capturesAutomatically: automatic)]
        case .timedOut:
            // The issuer may have approved: ask, then reverse. Authorizing again could hold the
            // customer's money twice.
            transition(
                .authorizationResult(.timedOut), &context,
                then: .inquire(capturesAutomatically: automatic, countsTimeout: true))
        }
    }

    private mutating func inquiryAnswered(
        _ answer: NetworkInquiryResult?, attempt: Int, _ automatic: Bool, _ context: inout Context
    ) -> [Action] {
        switch answer {
        case nil where attempt < context.inquiriesMax:
            [.inquire(attempt: attempt + 1, capturesAutomatically: automatic)]
        case nil:
            // Still unknown: the reversal is owed once the transition is durable, and sent until
            // the network confirms it (a network down now would keep the money held).
            transition(.reverse, &context, then: .reverse)
        case .approved:
            transition(.inquiryResult(.approved), &context, then: .bookHold(capturesAutomatically: automatic))
        case .declined(let code):
            transition(.inquiryResult(.declined(code)), &context, then: .decline(code))
        case .reversed, .notFound:
            transition(.inquiryResult(.notFound), &context, then: .decline(.processingError))
        }
    }

    /// A restart found the payment where only the dead process would have moved it on: waiting
    /// for 3-D Secure (abandoned: the customer's session is gone), or with an authorization
    /// whose outcome it never learnt (after a timeout, or not even that: the request may have
    /// reached the issuer). Those are asked, then reversed, as after a timeout.
    private mutating func restarted(_ context: inout Context) -> [Action] {
        switch record.payment.state {
        case .created:
            transition(
                .authorizationResult(.timedOut), &context,
                then: .inquire(capturesAutomatically: false, countsTimeout: false))
        case .requiresAction:
            transition(.actionAbandoned, &context, then: .done)
        case .authorizationUnknown:
            [.inquire(attempt: 1, capturesAutomatically: false)]
        default:
            []
        }
    }
}

/// A shard's ledger transfer ids: `producer << 32 | sequence`, allocated in order (what the
/// ledger's deduplication window expects of a producer).
struct TransferIDSequence: Sendable {
    let producer: UInt64
    var sequence: UInt32 = 0

    mutating func next() -> TransferID {
        sequence &+= 1
        return TransferID(producer << 32 | UInt64(sequence))
    }

    mutating func next(_ count: Int) -> [TransferID] { (0..<count).map { _ in next() } }

    /// The next two and three ids, as values: a booking's ids in an array were an allocation
    /// of their own on every capture, refund and dispute.
    mutating func nextPair() -> (TransferID, TransferID) { (next(), next()) }
    mutating func nextTriple() -> (TransferID, TransferID, TransferID) { (next(), next(), next()) }
}
