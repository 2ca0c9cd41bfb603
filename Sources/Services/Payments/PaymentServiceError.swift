import Core

/// Why the payment API refused a request: Stripe's error vocabulary (type, code, decline code,
/// HTTP status).
public enum PaymentServiceError: Error, Hashable, Sendable, CustomStringConvertible {
    case invalidRequest(String)
    /// The amount of a capture or refund is not one Stripe accepts in the payment's currency
    /// (three-decimal currencies take multiples of 10 minor units). Checked before any work, so
    /// the client may fix it and retry with the same idempotency key.
    case invalidAmount(PaymentTransitionError)
    /// The charge is below the currency's minimum (`ChargeLimits`), or its value in the
    /// merchant's settlement currency is below that currency's minimum: Stripe's
    /// `amount_too_small`. Refused before any work, so nothing is booked.
    case amountTooSmall(Money, minimum: Money)
    /// The charge is above the currency's maximum: Stripe's `amount_too_large`.
    case amountTooLarge(Money, maximum: Money)
    case paymentNotFound(PaymentID)
    /// The command is not legal in the payment's state (Stripe's `payment_intent_unexpected_state`).
    case unexpectedState(PaymentTransitionError)
    /// The card was declined (by the issuer, by fraud screening, or 3-D Secure was abandoned).
    case cardDeclined(PaymentID, DeclineCode)
    /// The ledger refused to book what the state machine allowed: an internal error, counted
    /// as an invariant violation by the run.
    case ledgerRefused(PaymentID, String)
    case unknownMerchant(MerchantID)
    /// The journal refused an append the request needed (a failed sync): nothing of the request
    /// that was not durable is kept (the payment is as the journal shows it), and the client
    /// should send the same request again with the same idempotency key: the retry resumes
    /// the payment, never starts a second one.
    case journalUnavailable(PaymentID, String)

    /// Whether the client should retry the same request (same idempotency key) later.
    public var isRetryable: Bool {
        if case .journalUnavailable = self { return true }
        return false
    }

    public var httpStatus: Int {
        switch self {
        case .invalidRequest, .invalidAmount, .amountTooSmall, .amountTooLarge, .unexpectedState: 400
        case .cardDeclined: 402
        case .paymentNotFound, .unknownMerchant: 404
        case .ledgerRefused: 500
        case .journalUnavailable: 503
        }
    }

    /// Stripe's error `type`.
    public var type: String {
        switch self {
        case .invalidRequest, .invalidAmount, .amountTooSmall, .amountTooLarge, .unexpectedState,
            .paymentNotFound, .unknownMerchant:
            "invalid_request_error"
        case .cardDeclined: "card_error"
        case .ledgerRefused, .journalUnavailable: "api_error"
        }
    }

    /// Stripe's error `code`. A card error's is `card_declined`, except for the declines
    /// Stripe gives an error code of their own (`expired_card`, `incorrect_cvc`,
    /// `processing_error`, `authentication_required`); the reason is in `declineCode`.
    public var code: String {
        switch self {
        case .invalidRequest: "parameter_invalid"
        case .invalidAmount: "invalid_charge_amount"
        case .amountTooSmall: "amount_too_small"
        case .amountTooLarge: "amount_too_large"
        case .paymentNotFound, .unknownMerchant: "resource_missing"
        case .unexpectedState: "payment_intent_unexpected_state"
        case .cardDeclined(_, let decline):
            switch decline {
            case .expiredCard, .incorrectCVC, .processingError, .authenticationRequired: decline.rawValue
            default: "card_declined"
            }
        case .ledgerRefused: "ledger_refused"
        case .journalUnavailable: "journal_unavailable"
        }
    }

    /// Stripe's `decline_code`: why the card was declined (`insufficient_funds`,
    /// `do_not_honor`, `fraudulent`, ...), for card errors only.
    public var declineCode: DeclineCode? {
        if case .cardDeclined(_, let decline) = self { return decline }
        return nil
    }

    public var description: String {
        switch self {
        case .invalidRequest(let reason): "invalid request: \(reason)"
        case .invalidAmount(let error): "\(error)"
        case .amountTooSmall(let amount, let minimum): "amount \(amount) is below the minimum of \(minimum)"
        case .amountTooLarge(let amount, let maximum): "amount \(amount) is above the maximum of \(maximum)"
        case .paymentNotFound(let id): "no such payment: \(id)"
        case .unexpectedState(let error): "\(error)"
        case .cardDeclined(let id, let code): "\(id) declined: \(code)"
        case .ledgerRefused(let id, let reason): "ledger refused a transfer of \(id): \(reason)"
        case .unknownMerchant(let merchant): "no such merchant: \(merchant)"
        case .journalUnavailable(let id, let reason): "\(id) could not be made durable: \(reason)"
        }
    }
}
