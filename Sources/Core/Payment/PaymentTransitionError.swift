/// Why a command was refused: it is not legal in the payment's state, or its amount is not.
///
/// Every case names the state and the command, so that a log line or an API error says what
/// was attempted on what: "cannot capture a payment in state voided".
public enum PaymentTransitionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The command is never legal in this state.
    case illegal(command: PaymentCommand, state: PaymentState)
    /// The command's amount is zero or negative.
    case amountNotPositive(command: PaymentCommand, state: PaymentState)
    /// The command's amount is more than the state allows: capturable for a capture, captured
    /// less refunded for a refund or a dispute.
    case amountExceedsLimit(command: PaymentCommand, state: PaymentState, limitMinorUnits: Int64)
    /// The command's amount is not one Stripe accepts in the payment's currency: a
    /// three-decimal currency (KWD, BHD, JOD, OMR, TND) takes only multiples of 10 minor units
    /// (see `Money.isStripeCompatible`), for a partial capture or a refund as at creation.
    case amountNotStripeCompatible(command: PaymentCommand, state: PaymentState, currency: Currency)
    /// A payment must be created for a positive amount.
    case paymentAmountNotPositive(Money)

    /// The state the command was refused in (nil when creating).
    public var state: PaymentState? {
        switch self {
        case .illegal(_, let state), .amountNotPositive(_, let state), .amountExceedsLimit(_, let state, _),
            .amountNotStripeCompatible(_, let state, _):
            state
        case .paymentAmountNotPositive: nil
        }
    }

    /// The refused command (nil when creating).
    public var command: PaymentCommand? {
        switch self {
        case .illegal(let command, _), .amountNotPositive(let command, _),
            .amountExceedsLimit(let command, _, _), .amountNotStripeCompatible(let command, _, _):
            command
        case .paymentAmountNotPositive: nil
        }
    }

    public var description: String {
        switch self {
        case .illegal(let command, let state):
            "cannot \(command.verb) a payment in state \(state) (command \(command))"
        case .amountNotPositive(let command, let state):
            "cannot \(command.verb) a payment in state \(state): amount \(command.amountMinorUnits ?? 0) "
                + "must be positive (command \(command))"
        case .amountExceedsLimit(let command, let state, let limit):
            "cannot \(command.verb) a payment in state \(state): amount \(command.amountMinorUnits ?? 0) "
                + "exceeds the \(limit) minor units available (command \(command))"
        case .amountNotStripeCompatible(let command, let state, let currency):
            "cannot \(command.verb) a payment in state \(state): amount \(command.amountMinorUnits ?? 0) "
                + "\(currency.code) must be a multiple of 10 minor units (command \(command))"
        case .paymentAmountNotPositive(let amount):
            "cannot create a payment of \(amount): the amount must be positive"
        }
    }
}
