/// The payment lifecycle as a pure function: (payment, command) -> (payment, events), or a typed
/// error naming the state and the command.
///
/// Stripe's PaymentIntent semantics with manual capture, plus what a card-network simulator
/// needs: a timed-out authorization (resolved by inquiry or reversal, never retried blindly),
/// settlement, and disputes. No clock, no I/O: the orchestrator actor decides with this
/// synchronously and performs the returned events afterwards, so that a suspension can never
/// split a decision. See `PaymentState` for the diagram and `PaymentCommand` for where each
/// command is legal.
public enum PaymentStateMachine {
    /// A new payment in `created`, with its `payment_intent.created` event.
    /// - Throws: `.paymentAmountNotPositive` for a zero or negative amount.
    public static func create(amount: Money) throws(PaymentTransitionError) -> PaymentTransition {
        PaymentTransition(payment: try Payment(amount: amount), events: [.paymentIntentCreated])
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
            events = [.paymentIntentAmountCapturableUpdated]

        case (.created, .authorizationResult(.declined(let code))),
            (.authorizationUnknown, .inquiryResult(.declined(let code))):
            next.state = .failed(code)
            events = [.paymentIntentPaymentFailed]

        case (.authorizationUnknown, .inquiryResult(.notFound)):
            next.state = .failed(.processingError)
            events = [.paymentIntentPaymentFailed]

        case (.created, .authorizationResult(.timedOut)):
            next.state = .authorizationUnknown
            events = [.paymentIntentProcessing]

        case (.created, .requireAction):
            next.state = .requiresAction
            events = [.paymentIntentRequiresAction]

        case (.requiresAction, .actionCompleted):
            next.state = .created
            next.isAuthenticated = true
            events = [.paymentIntentProcessing]

        case (.requiresAction, .actionAbandoned):
            next.state = .failed(.authenticationRequired)
            events = [.paymentIntentPaymentFailed]

        case (.authorizationUnknown, .reverse), (.created, .void), (.requiresAction, .void),
            (.authorized, .void):
            next.state = .voided
            next.amountCapturableMinorUnits = 0
            events = [.paymentIntentCanceled]

        case (.authorized, .expire):
            next.state = .expired
            next.amountCapturableMinorUnits = 0
            events = [.chargeExpired, .paymentIntentCanceled]

        case (.authorized, .capture(let requested)):
            let capturable = payment.amountCapturableMinorUnits
            let amount = requested ?? capturable
            try requireAmount(amount, atMost: capturable, command, payment.state)
            next.state = .captured
            next.amountCapturedMinorUnits = amount
            next.amountCapturableMinorUnits = 0  // a partial capture releases the rest
            events = [.chargeCaptured, .paymentIntentSucceeded]

        case (.captured, .settle):
            next.state = .settled
            next.isSettled = true
            events = [.chargeSettled]

        case (.refunded, .settle) where !payment.isSettled, (.disputed, .settle) where !payment.isSettled:
            next.isSettled = true
            events = [.chargeSettled]

        case (.captured, .refund(let amount)), (.settled, .refund(let amount)):
            try requireAmount(amount, atMost: payment.amountRefundableMinorUnits, command, payment.state)
            next.amountRefundedMinorUnits += amount  // cannot overflow: bounded by the capture
            if next.amountRefundedMinorUnits == next.amountCapturedMinorUnits {
                next.state = .refunded
            }
            events = [.chargeRefunded]

        case (.captured, .openDispute(let amount, let isInquiry)),
            (.settled, .openDispute(let amount, let isInquiry)):
            try requireAmount(amount, atMost: payment.amountRefundableMinorUnits, command, payment.state)
            next.state = .disputed
            let dispute = PaymentDispute(
                amountMinorUnits: amount, status: isInquiry ? .warningNeedsResponse : .needsResponse)
            next.dispute = dispute
            events =
                dispute.isFundsWithdrawn
                ? [.chargeDisputeCreated, .chargeDisputeFundsWithdrawn] : [.chargeDisputeCreated]

        case (.captured, .bankReturn), (.settled, .bankReturn), (.refunded, .bankReturn):
            // The amounts stay as history: what was captured and refunded before the return. A
            // refund already sent stays sent: the merchant bears it (the debit never arrived).
            next.state = .returned
            events = [.chargeFailed, .paymentIntentPaymentFailed]

        case (.disputed, .submitEvidence)
        where payment.dispute?.status == .needsResponse || payment.dispute?.status == .warningNeedsResponse:
            next.dispute?.status = .underReview
            events = [.chargeDisputeUpdated]

        case (.disputed, .closeDispute(let outcome)) where payment.dispute?.status.isOpen == true:
            let wasWithdrawn = payment.dispute?.isFundsWithdrawn == true
            next.dispute?.status = outcome == .won ? .won : .lost
            let isWithdrawn = next.dispute?.isFundsWithdrawn == true
            switch (wasWithdrawn, isWithdrawn) {
            case (true, false): events = [.chargeDisputeClosed, .chargeDisputeFundsReinstated]
            case (false, true): events = [.chargeDisputeClosed, .chargeDisputeFundsWithdrawn]
            default: events = [.chargeDisputeClosed]
            }

        default:
            throw .illegal(command: command, state: payment.state)
        }
        return PaymentTransition(payment: next, events: events)
    }

    private static func requireAmount(
        _ amount: Int64, atMost limit: Int64, _ command: PaymentCommand, _ state: PaymentState
    ) throws(PaymentTransitionError) {
        guard amount > 0 else { throw .amountNotPositive(command: command, state: state) }
        guard amount <= limit else {
            throw .amountExceedsLimit(command: command, state: state, limitMinorUnits: limit)
        }
    }
}
