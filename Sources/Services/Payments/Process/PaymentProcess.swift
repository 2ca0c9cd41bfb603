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
        var actions: [Action] = []
        handle(input, &context, into: &actions)
        return actions
    }

    /// `handle`, appending the actions to `actions`: the executor keeps one buffer for a whole
    /// operation, where an array returned by each step was an allocation of its own, about ten
    /// a payment.
    mutating func handle(_ input: Input, _ context: inout Context, into actions: inout [Action]) {
        switch input {
        case .confirm(let requiresAuthentication, let automatic, let route):
            confirm(
                requiresAuthentication: requiresAuthentication, automatic, route, &context, into: &actions)
        case .authenticated(let succeeded, let automatic):
            if succeeded {
                transition(
                    .actionCompleted, &context, then: .authorize(capturesAutomatically: automatic),
                    into: &actions)
            } else {
                transition(
                    .actionAbandoned, &context, then: .decline(.authenticationRequired), into: &actions)
            }
        case .capture(let amount):
            // Across currencies the rate is locked first, so that the capture's record carries
            // its booking; a capture the state refuses is refused without a quote.
            let parties = record.parties
            var trial = record.payment
            if parties.presentment != parties.settlement,
                (try? trial.apply(.capture(amountMinorUnits: amount))) != nil
            {
                actions.append(
                    .lockRate(from: parties.presentment, to: parties.settlement, amountMinorUnits: amount))
                return
            }
            transition(.capture(amountMinorUnits: amount), &context, then: .capture, into: &actions)
        case .cancel:
            transition(.void, &context, then: .release, into: &actions)
        case .refund(let amount):
            transition(
                .refund(amountMinorUnits: amount), &context, then: .refund(amountMinorUnits: amount),
                into: &actions)
        case .submitDisputeEvidence:
            transition(.submitEvidence, &context, then: .done, into: &actions)
        case .screened(let decision, let automatic):
            screened(decision, automatic, &context, into: &actions)
        case .authorizationAnswered(let result, let isRetry, let automatic):
            authorizationAnswered(result, isRetry: isRetry, automatic, &context, into: &actions)
        case .inquiryAnswered(let answer, let attempt, let automatic):
            inquiryAnswered(answer, attempt: attempt, automatic, &context, into: &actions)
        case .disputeOpened(let amount, let isInquiry):
            transition(
                .openDispute(amountMinorUnits: amount, isInquiry: isInquiry), &context,
                then: isInquiry ? .done : .withdrawDisputedFunds, into: &actions)
        case .inquiryEscalated:
            transition(.escalateInquiry, &context, then: .withdrawDisputedFunds, into: &actions)
        case .inquiryClosed:
            transition(.closeInquiry, &context, then: .done, into: &actions)
        case .disputeClosed(let won):
            transition(
                .closeDispute(won ? .won : .lost), &context, then: won ? .reinstateDisputedFunds : .done,
                into: &actions)
        case .bankReturned(let notice):
            transition(.bankReturn, &context, then: .bankReturn(notice), into: &actions)
        case .authorizationExpired:
            transition(.expire, &context, then: .release, into: &actions)
        case .settlementDue:
            transition(.settle, &context, then: .done, into: &actions)
        case .restarted:
            restarted(&context, into: &actions)
        case .journaled(let transition):
            journaled(transition, &context, into: &actions)
        case .journalRefused(let transition, let error):
            actions.append(.count(.undone(conflict: undo(transition))))
            actions.append(.fail(error))
        case .rateLocked(let rate, let amount):
            transition(
                .capture(amountMinorUnits: amount), &context, then: .capture, rate: rate, into: &actions)
        case .booked(let booking):
            booked(booking, &context, into: &actions)
        }
    }

    // MARK: Transitions

    /// Applies `command` to the record (the reservation), decides what follows (`rate`: a
    /// capture's, locked) and asks for its journal record; what follows waits until that is
    /// durable.
    mutating func transition(
        _ command: PaymentCommand, _ context: inout Context, then next: Next, rate: LockedRate? = nil,
        into actions: inout [Action]
    ) {
        let previous = record
        let events: [PaymentEventType]
        do {
            events = try record.payment.apply(command)
        } catch .amountNotStripeCompatible(let command, let state, let currency) {
            actions.append(
                .fail(
                    .invalidAmount(
                        .amountNotStripeCompatible(command: command, state: state, currency: currency))))
            return
        } catch {
            actions.append(.fail(.unexpectedState(error)))
            return
        }
        switch command {
        case .authorizationResult(.approved), .inquiryResult(.approved): record.authorizedAt = context.now
        default: break
        }
        record.eventsEmitted += events.count
        record.transitions += 1
        // Marked in place: a mapped copy was an array of its own on every transition.
        var followUp = FollowUp()
        self.next(next, rate: rate, &context, into: &followUp)
        for index in followUp.indices {
            if case .book(let booking, _) = followUp[index] {
                followUp[index] = .book(booking, isJournaled: true)
            }
        }
        actions.append(
            .journal(
                Transition(
                    command: command, applied: record, previous: previous, events: events, time: context.now,
                    next: next, followUp: followUp)))
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
    private mutating func journaled(
        _ transition: Transition, _ context: inout Context, into actions: inout [Action]
    ) {
        var events = transition.events
        switch context.plantedBug {
        case .dropEvent where events.count > 1: events = Array(events.prefix(1))
        case .emitEventTwice where events == [.chargeRefunded]: events += events
        default: break
        }
        let firstIndex = 1 + transition.applied.eventsEmitted - transition.events.count
        emit(events, firstIndex: firstIndex, of: transition.applied, into: &actions)
        actions.append(.count(.transition))
        actions.append(contentsOf: transition.followUp)
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

    /// What follows a transition just applied (the record is `applied`), appended to `actions`.
    private mutating func next(
        _ next: Next, rate: LockedRate?, _ context: inout Context, into actions: inout FollowUp
    ) {
        let applied = record
        switch next {
        case .done:
            break
        case .decline(let code):
            actions.append(.fail(.cardDeclined(record.id, code)))
        case .challenge(let automatic):
            actions.append(.challenge(capturesAutomatically: automatic))
        case .waitForCustomer:
            actions.append(.waitForCustomer)
        case .authorize(let automatic):
            actions.append(.authorize(isRetry: false, capturesAutomatically: automatic))
        case .bookHold(let automatic):
            let hold = PaymentBookkeeping.authorizationHold(
                context.transferIDs.next(), record.parties, amount: record.payment.amountCapturableMinorUnits)
            actions.append(
                .book(Booking(transfers: [hold], purpose: .hold(hold, capturesAutomatically: automatic))))
        case .inquire(let automatic, let countsTimeout):
            if countsTimeout { actions.append(.count(.authorizationTimeout)) }
            actions.append(.inquire(attempt: 1, capturesAutomatically: automatic))
        case .reverse:
            actions.append(.count(.reversal))
            actions.append(
                .owe(
                    NetworkObligation(
                        payment: record.id, network: applied.network, kind: .reversal, transfers: [])))
            actions.append(.fail(.cardDeclined(record.id, .processingError)))
        case .capture:
            actions.append(bookCapture(applied, rate: rate, &context))
        case .release:
            guard let hold = applied.hold else {
                actions.append(oweReversal(applied))
                return
            }
            let void = Transfer.void(context.transferIDs.next(), of: hold)
            actions.append(.book(Booking(transfers: [void], purpose: .release)))
        case .refund(let amount):
            actions.append(bookRefund(amount, applied, &context))
        case .withdrawDisputedFunds:
            actions.append(bookDisputeWithdrawal(applied, &context))
        case .reinstateDisputedFunds:
            actions.append(bookDisputeReinstatement(applied, &context))
        case .bankReturn(let notice):
            let transfers = PaymentBookkeeping.bankReturn(
                context.transferIDs.nextPair(), applied.parties,
                amount: applied.payment.amountCapturedMinorUnits,
                settled: applied.capturedSettled)
            actions.append(
                .book(
                    Booking(
                        transfers: transfers, network: applied.network, day: notice.day,
                        purpose: .bankReturn(notice.code, settledMinorUnits: applied.capturedSettled))))
        }
    }

    func oweReversal(_ record: PaymentRecord) -> Action {
        .owe(NetworkObligation(payment: record.id, network: record.network, kind: .reversal, transfers: []))
    }

    // MARK: Confirmation, screening, authorization

    private mutating func confirm(
        requiresAuthentication: Bool, _ automatic: Bool, _ route: Route?, _ context: inout Context,
        into actions: inout [Action]
    ) {
        if let route {
            // Routed again only while untouched: a concurrent confirm of the same payment finds
            // it moved on and is refused.
            guard record.payment.state == .created, record.transitions == 0 else {
                actions.append(
                    .fail(
                        .unexpectedState(
                            .illegal(command: .authorizationResult(.approved), state: record.payment.state))))
                return
            }
            record.route(network: route.network, fingerprint: route.fingerprint, card: route.card)
        }
        // The customer answers the issuer's challenge later, over the API: nothing waits here.
        if requiresAuthentication {
            transition(.requireAction, &context, then: .waitForCustomer, into: &actions)
            return
        }
        actions.append(.screen(capturesAutomatically: automatic))
    }

    private mutating func screened(
        _ decision: FraudDecision, _ automatic: Bool, _ context: inout Context, into actions: inout [Action]
    ) {
        switch decision {
        case .block:
            transition(
                .authorizationResult(.declined(.fraudulent)), &context, then: .decline(.fraudulent),
                into: &actions)
        case .requireThreeDSecure:
            transition(
                .requireAction, &context, then: .challenge(capturesAutomatically: automatic), into: &actions)
        case .approve, .review:
            actions.append(.authorize(isRetry: false, capturesAutomatically: automatic))
        }
    }

    private mutating func authorizationAnswered(
        _ result: NetworkAuthorizationResult?, isRetry: Bool, _ automatic: Bool, _ context: inout Context,
        into actions: inout [Action]
    ) {
        switch result {
        case nil:
            // Refused outright (outage): the issuer never saw it, so this is a clean decline.
            transition(
                .authorizationResult(.declined(.issuerNotAvailable)), &context,
                then: .decline(.issuerNotAvailable), into: &actions)
        case .approved:
            transition(
                .authorizationResult(.approved), &context, then: .bookHold(capturesAutomatically: automatic),
                into: &actions)
        case .declined(let code):
            transition(.authorizationResult(.declined(code)), &context, then: .decline(code), into: &actions)
        case .timedOut where context.plantedBug == .retryAuthorizationAfterTimeout && !isRetry:
            actions.append(.authorize(isRetry: true, capturesAutomatically: automatic))
        case .timedOut:
            // The issuer may have approved: ask, then reverse. Authorizing again could hold the
            // customer's money twice.
            transition(
                .authorizationResult(.timedOut), &context,
                then: .inquire(capturesAutomatically: automatic, countsTimeout: true), into: &actions)
        }
    }

    private mutating func inquiryAnswered(
        _ answer: NetworkInquiryResult?, attempt: Int, _ automatic: Bool, _ context: inout Context,
        into actions: inout [Action]
    ) {
        switch answer {
        case nil where attempt < context.inquiriesMax:
            actions.append(.inquire(attempt: attempt + 1, capturesAutomatically: automatic))
        case nil:
            // Still unknown: the reversal is owed once the transition is durable, and sent until
            // the network confirms it (a network down now would keep the money held).
            transition(.reverse, &context, then: .reverse, into: &actions)
        case .approved:
            transition(
                .inquiryResult(.approved), &context, then: .bookHold(capturesAutomatically: automatic),
                into: &actions)
        case .declined(let code):
            transition(.inquiryResult(.declined(code)), &context, then: .decline(code), into: &actions)
        case .reversed, .notFound:
            transition(.inquiryResult(.notFound), &context, then: .decline(.processingError), into: &actions)
        }
    }

    /// A restart found the payment where only the dead process would have moved it on: waiting
    /// for 3-D Secure (abandoned: the customer's session is gone), or with an authorization
    /// whose outcome it never learnt (after a timeout, or not even that: the request may have
    /// reached the issuer). Those are asked, then reversed, as after a timeout.
    private mutating func restarted(_ context: inout Context, into actions: inout [Action]) {
        switch record.payment.state {
        case .created:
            transition(
                .authorizationResult(.timedOut), &context,
                then: .inquire(capturesAutomatically: false, countsTimeout: false), into: &actions)
        case .requiresAction:
            transition(.actionAbandoned, &context, then: .done, into: &actions)
        case .authorizationUnknown:
            actions.append(.inquire(attempt: 1, capturesAutomatically: false))
        default:
            break
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
