/// A payment's money state: what was asked for, what is held, captured and refunded, and any
/// dispute. The value the orchestrator stores per payment and the ledger books from.
///
/// Only `PaymentStateMachine` changes it (the setters are internal), so its invariants hold for
/// every value other modules see:
/// - `0 <= amountRefundedMinorUnits <= amountCapturedMinorUnits <= amount.minorUnits`;
/// - `amountCapturableMinorUnits` is the amount in `authorized` and zero in every other state;
/// - a dispute never exceeds what was captured and not refunded when it opened;
/// - `dispute` is set in `disputed`, and otherwise only as a closed inquiry (`warning_closed`).
public struct Payment: Hashable, Sendable, Codable, CustomStringConvertible {
    public internal(set) var state: PaymentState
    /// The amount the customer was asked for, positive.
    public let amount: Money
    /// Held on the card and not yet captured (Stripe's `amount_capturable`).
    public internal(set) var amountCapturableMinorUnits: Int64
    /// Taken from the customer (Stripe's `amount_received`).
    public internal(set) var amountCapturedMinorUnits: Int64
    /// Given back, across all refunds.
    public internal(set) var amountRefundedMinorUnits: Int64
    /// The dispute, once one is opened; there is at most one per payment, as at Stripe (an
    /// inquiry closed without a chargeback stays here, `warning_closed`).
    public internal(set) var dispute: PaymentDispute?
    /// Whether the settlement run paid the capture out to the merchant.
    public internal(set) var isSettled: Bool
    /// Whether the customer completed 3-D Secure (liability shifts to the issuer).
    public internal(set) var isAuthenticated: Bool

    /// A new payment in `created`.
    /// - Throws: `.paymentAmountNotPositive` for a zero or negative amount.
    public init(amount: Money) throws(PaymentTransitionError) {
        guard amount.isPositive else { throw .paymentAmountNotPositive(amount) }
        self.state = .created
        self.amount = amount
        self.amountCapturableMinorUnits = 0
        self.amountCapturedMinorUnits = 0
        self.amountRefundedMinorUnits = 0
        self.dispute = nil
        self.isSettled = false
        self.isAuthenticated = false
    }

    /// What a refund or a dispute may still take: captured less refunded while the payment is
    /// `captured` or `settled`, zero otherwise.
    public var amountRefundableMinorUnits: Int64 {
        switch state {
        case .captured, .settled: amountCapturedMinorUnits - amountRefundedMinorUnits
        default: 0
        }
    }

    public var amountCapturable: Money {
        Money(minorUnits: amountCapturableMinorUnits, currency: amount.currency)
    }
    public var amountCaptured: Money {
        Money(minorUnits: amountCapturedMinorUnits, currency: amount.currency)
    }
    public var amountRefunded: Money {
        Money(minorUnits: amountRefundedMinorUnits, currency: amount.currency)
    }

    /// Applies `command` in place and returns the events to emit.
    /// - Throws: `PaymentTransitionError`; the payment is unchanged when it throws.
    @discardableResult
    public mutating func apply(_ command: PaymentCommand) throws(PaymentTransitionError) -> [PaymentEventType]
    {
        let transition = try PaymentStateMachine.apply(command, to: self)
        self = transition.payment
        return transition.events
    }

    /// "captured 12.34 USD (captured 1234, refunded 0)".
    public var description: String {
        var text =
            "\(state) \(amount) (capturable \(amountCapturableMinorUnits), captured \(amountCapturedMinorUnits), "
            + "refunded \(amountRefundedMinorUnits)"
        if let dispute { text += ", \(dispute)" }
        if isSettled { text += ", settled" }
        return text + ")"
    }
}
