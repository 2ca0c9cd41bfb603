/// Where a payment is in its lifecycle (Stripe's PaymentIntent with manual capture, plus the
/// states a simulator of the card networks needs to name).
///
/// The amounts (capturable, captured, refunded) and the dispute live on `Payment`; the state is
/// the coarse position that decides which commands are legal:
///
/// ```
/// created ──approved──▶ authorized ──capture──▶ captured ──settle──▶ settled
///    │  ╲──timed out──▶ authorizationUnknown ──inquiry/reverse──▶ authorized | failed | voided
///    │  ╲──require action──▶ requiresAction ──completed──▶ created (authenticated)
///    ╰──declined──▶ failed            authorized ──void──▶ voided,  ──expire──▶ expired
/// captured|settled ──refund in full──▶ refunded;  ──open dispute──▶ disputed
/// disputed (an inquiry) ──close inquiry──▶ captured|settled   (warning_closed: nothing moved)
/// captured|settled|refunded ──bank return──▶ returned   (bank debits: the debit came back)
/// ```
public enum PaymentState: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Created and ready to be sent for authorization (again, after 3-D Secure).
    case created
    /// The issuer asked for customer authentication (3-D Secure) before it will authorize.
    case requiresAction
    /// The authorization request timed out: the issuer may or may not have approved it. Resolved
    /// only by a status inquiry or a reversal, never by a blind retry (which could authorize
    /// twice).
    case authorizationUnknown
    /// Authorized and holding funds on the card (Stripe's `requires_capture`).
    case authorized
    /// Captured in full or in part (`Payment.amountCapturedMinorUnits`); the uncaptured rest of
    /// the authorization was released. Partial refunds leave a payment here.
    case captured
    /// Captured and paid out to the merchant's balance by the settlement run. Partial refunds
    /// leave a payment here.
    case settled
    /// Declined by the issuer, the fraud engine or Paystorm, or abandoned during 3-D Secure.
    case failed(DeclineCode)
    /// Canceled before capture (or reversed after an unknown authorization); nothing was charged.
    case voided
    /// The authorization was never captured and lapsed (Stripe: 7 days for most cards).
    case expired
    /// Refunded in full: the refunds add up to the captured amount.
    case refunded
    /// The cardholder's bank opened a dispute; `Payment.dispute` has its status and amount. An
    /// inquiry that closes without a chargeback (`warning_closed`) returns the payment to
    /// `captured` or `settled`; a chargeback keeps it here for good.
    case disputed
    /// A bank debit that was accepted (and possibly paid out) came back from the customer's bank
    /// days later (an ACH or SEPA return): the money never arrived, the merchant gives it back.
    /// Stripe reports this as a failed charge: the PaymentIntent returns to
    /// `requires_payment_method`.
    case returned

    /// Coded by position, one byte in the journal (`BinaryEncoder`), not by name: a new case goes last.
    private enum CodingKeys: Int, CodingKey {
        case created, requiresAction, authorizationUnknown, authorized, captured, settled, failed, voided,
            expired, refunded, disputed, returned
    }

    /// Whether the state can never change again. A refunded or disputed payment may still be
    /// marked settled, and a dispute still progresses, but the state stays (except for an
    /// inquiry closed without a chargeback, which leaves `disputed`).
    public var isTerminal: Bool {
        switch self {
        case .failed, .voided, .expired, .refunded, .disputed, .returned: true
        case .created, .requiresAction, .authorizationUnknown, .authorized, .captured, .settled: false
        }
    }

    /// Whether money was captured (so `amountCapturedMinorUnits` is positive). A returned
    /// payment was captured and then taken back by the customer's bank.
    public var isCaptured: Bool {
        switch self {
        case .captured, .settled, .refunded, .disputed, .returned: true
        default: false
        }
    }

    /// Stripe's PaymentIntent `status` for this state.
    public var stripeStatus: String {
        switch self {
        case .created: "requires_confirmation"
        case .requiresAction: "requires_action"
        case .authorizationUnknown: "processing"
        case .authorized: "requires_capture"
        case .captured, .settled, .refunded, .disputed: "succeeded"
        case .failed, .returned: "requires_payment_method"
        case .voided, .expired: "canceled"
        }
    }

    /// "authorized", "requires_action", "failed(insufficient_funds)".
    public var description: String {
        switch self {
        case .created: "created"
        case .requiresAction: "requires_action"
        case .authorizationUnknown: "authorization_unknown"
        case .authorized: "authorized"
        case .captured: "captured"
        case .settled: "settled"
        case .failed(let code): "failed(\(code))"
        case .voided: "voided"
        case .expired: "expired"
        case .refunded: "refunded"
        case .disputed: "disputed"
        case .returned: "returned"
        }
    }
}
