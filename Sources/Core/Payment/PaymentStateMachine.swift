/// The payment lifecycle as a pure function: (payment, command) -> (payment, events), or a typed
/// error naming the state and the command.
///
/// Stripe's PaymentIntent semantics with manual capture, plus what a card-network simulator
/// needs: a timed-out authorization (resolved by inquiry or reversal, never retried blindly),
/// settlement, and disputes. No clock, no I/O: the orchestrator decides with this
/// synchronously and performs the returned events afterwards, so that a suspension can never
/// split a decision. See `PaymentState` for the diagram and `PaymentCommand` for where each
/// command is legal.
public enum PaymentStateMachine {
    /// A new payment in `created`, with its `payment_intent.created` event.
    /// - Throws: `.paymentAmountNotPositive` for a zero or negative amount.
    public static func create(amount: Money) throws(PaymentTransitionError) -> PaymentTransition {
        PaymentTransition(payment: try Payment(amount: amount), events: EventLists.created)
    }

    /// Applies `command` to `payment`.
    /// - Returns: the payment after the command and at least one event to emit, in order.
    /// - Throws: `.illegal` when the command is not legal in the payment's state,
    ///   `.amountNotPositive` or `.amountExceedsLimit` when its amount is not.
    public static func apply(
        _ command: PaymentCommand, to payment: Payment
    ) throws(PaymentTransitionError) -> PaymentTransition {
        var next = payment
        let events: [PaymentEventType]
        switch (payment.state, command) {
        case (.created, .authorizationResult(.approved)), (.authorizationUnknown, .inquiryResult(.approved)):
            next.state = .authorized
            next.amountCapturableMinorUnits = payment.amount.minorUnits
            events = EventLists.authorized

        case (.created, .authorizationResult(.declined(let code))),
            (.authorizationUnknown, .inquiryResult(.declined(let code))):
            next.state = .failed(code)
            events = EventLists.failed

        case (.authorizationUnknown, .inquiryResult(.notFound)):
            next.state = .failed(.processingError)
            events = EventLists.failed

        case (.created, .authorizationResult(.timedOut)):
            next.state = .authorizationUnknown
            events = EventLists.processing

        case (.created, .requireAction):
            next.state = .requiresAction
            events = EventLists.requiresAction

        case (.requiresAction, .actionCompleted):
            next.state = .created
            next.isAuthenticated = true
            events = EventLists.processing

        case (.requiresAction, .actionAbandoned):
            next.state = .failed(.authenticationRequired)
            events = EventLists.failed

        case (.authorizationUnknown, .reverse), (.created, .void), (.requiresAction, .void),
            (.authorized, .void):
            next.state = .voided
            next.amountCapturableMinorUnits = 0
            events = EventLists.canceled

        case (.authorized, .expire):
            next.state = .expired
            next.amountCapturableMinorUnits = 0
            events = EventLists.expired

        case (.authorized, .capture(let requested)):
            let capturable = payment.amountCapturableMinorUnits
            let amount = requested ?? capturable
            // A full capture takes the amount the payment was created for (checked then).
            try requireAmount(
                amount, atMost: capturable, command, payment, isStripeChecked: requested != nil)
            next.state = .captured
            next.amountCapturedMinorUnits = amount
            next.amountCapturableMinorUnits = 0  // a partial capture releases the rest
            events = EventLists.captured

        case (.captured, .settle):
            next.state = .settled
            next.isSettled = true
            events = EventLists.settled

        case (.refunded, .settle) where !payment.isSettled, (.disputed, .settle) where !payment.isSettled:
            next.isSettled = true
            events = EventLists.settled

        case (.captured, .refund(let amount)), (.settled, .refund(let amount)):
            try requireAmount(
                amount, atMost: payment.amountRefundableMinorUnits, command, payment, isStripeChecked: true)
            next.amountRefundedMinorUnits += amount  // cannot overflow: bounded by the capture
            if next.amountRefundedMinorUnits == next.amountCapturedMinorUnits {
                next.state = .refunded
            }
            events = EventLists.refunded

        case (.captured, .openDispute(let amount, let isInquiry)) where payment.dispute == nil,
            (.settled, .openDispute(let amount, let isInquiry)) where payment.dispute == nil:
            // The cardholder's bank names the amount: not a request Stripe would validate.
            try requireAmount(
                amount, atMost: payment.amountRefundableMinorUnits, command, payment, isStripeChecked: false)
            next.state = .disputed
            let dispute = PaymentDispute(
                amountMinorUnits: amount, status: isInquiry ? .warningNeedsResponse : .needsResponse)
            next.dispute = dispute
            events =
                dispute.isFundsWithdrawn
                ? EventLists.disputeCreatedFundsWithdrawn : EventLists.disputeCreated

        case (.captured, .bankReturn), (.settled, .bankReturn), (.refunded, .bankReturn):
            // The amounts stay as history: what was captured and refunded before the return. A
            // refund already sent stays sent: the merchant bears it (the debit never arrived).
            next.state = .returned
            events = EventLists.returned

        case (.disputed, .submitEvidence) where payment.dispute?.status.needsResponse == true:
            next.dispute?.status =
                payment.dispute?.status == .warningNeedsResponse ? .warningUnderReview : .underReview
            events = EventLists.disputeUpdated

        case (.disputed, .escalateInquiry)
        where payment.dispute?.status == .warningNeedsResponse
            || payment.dispute?.status == .warningUnderReview:
            // The inquiry becomes a chargeback: this is when the funds and the fee leave.
            next.dispute?.status = .needsResponse
            events = EventLists.disputeUpdatedFundsWithdrawn

        case (.disputed, .closeInquiry)
        where payment.dispute?.status == .warningNeedsResponse
            || payment.dispute?.status == .warningUnderReview:
            // Nothing moved for the inquiry: the payment is as it was before it.
            next.dispute?.status = .warningClosed
            next.state = payment.isSettled ? .settled : .captured
            events = EventLists.disputeClosed

        case (.disputed, .closeDispute(.won)) where payment.dispute?.status == .underReview:
            next.dispute?.status = .won
            events = EventLists.disputeClosedFundsReinstated

        case (.disputed, .closeDispute(.lost))
        where payment.dispute?.status == .needsResponse || payment.dispute?.status == .underReview:
            // The funds and the fee stay withdrawn.
            next.dispute?.status = .lost
            events = EventLists.disputeClosed

        default:
            throw .illegal(command: command, state: payment.state)
        }
        return PaymentTransition(payment: next, events: events)
    }

    /// A command's amount must be positive, within `limit`, and (when `isStripeChecked`, for a
    /// merchant's partial capture or refund) one Stripe accepts in the payment's currency:
    /// three-decimal currencies take multiples of 10. Checked in that order.
    private static func requireAmount(
        _ amount: Int64, atMost limit: Int64, _ command: PaymentCommand, _ payment: Payment,
        isStripeChecked: Bool
    ) throws(PaymentTransitionError) {
        let state = payment.state
        guard amount > 0 else { throw .amountNotPositive(command: command, state: state) }
        guard amount <= limit else {
            throw .amountExceedsLimit(command: command, state: state, limitMinorUnits: limit)
        }
        let currency = payment.amount.currency
        guard !isStripeChecked || Money(minorUnits: amount, currency: currency).isStripeCompatible else {
            throw .amountNotStripeCompatible(command: command, state: state, currency: currency)
        }
    }
}

/// Each transition's events, made once: an array literal is an allocation at each use, and
/// every transition of every payment returns one of these lists.
private enum EventLists {
    static let captured: [PaymentEventType] = [.chargeCaptured, .paymentIntentSucceeded]
    static let disputeClosed: [PaymentEventType] = [.chargeDisputeClosed]
    static let disputeClosedFundsReinstated: [PaymentEventType] = [
        .chargeDisputeClosed, .chargeDisputeFundsReinstated,
    ]
    static let disputeCreated: [PaymentEventType] = [.chargeDisputeCreated]
    static let disputeCreatedFundsWithdrawn: [PaymentEventType] = [
        .chargeDisputeCreated, .chargeDisputeFundsWithdrawn,
    ]
    static let disputeUpdated: [PaymentEventType] = [.chargeDisputeUpdated]
    static let disputeUpdatedFundsWithdrawn: [PaymentEventType] = [
        .chargeDisputeUpdated, .chargeDisputeFundsWithdrawn,
    ]
    static let expired: [PaymentEventType] = [.chargeExpired, .paymentIntentCanceled]
    static let returned: [PaymentEventType] = [.chargeFailed, .paymentIntentPaymentFailed]
    static let refunded: [PaymentEventType] = [.chargeRefunded]
    static let settled: [PaymentEventType] = [.chargeSettled]
    static let authorized: [PaymentEventType] = [.paymentIntentAmountCapturableUpdated]
    static let canceled: [PaymentEventType] = [.paymentIntentCanceled]
    static let created: [PaymentEventType] = [.paymentIntentCreated]
    static let failed: [PaymentEventType] = [.paymentIntentPaymentFailed]
    static let processing: [PaymentEventType] = [.paymentIntentProcessing]
    static let requiresAction: [PaymentEventType] = [.paymentIntentRequiresAction]
}
