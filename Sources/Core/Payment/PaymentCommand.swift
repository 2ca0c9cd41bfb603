/// An input to the payment state machine: a network response, a merchant request or a
/// scheduled event (expiry, settlement, dispute).
///
/// Amounts are Int64 minor units of the payment's currency, as in Stripe's API.
public enum PaymentCommand: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The card network's answer to an authorization request. Legal in `created`.
    case authorizationResult(AuthorizationOutcome)
    /// The issuer asks for 3-D Secure. Legal in `created`.
    case requireAction
    /// The customer completed 3-D Secure: the payment goes back to `created`, authenticated, to
    /// be sent for authorization again. Legal in `requiresAction`.
    case actionCompleted
    /// The customer abandoned or failed 3-D Secure. Legal in `requiresAction`.
    case actionAbandoned
    /// The answer to a status inquiry after a timeout. Legal in `authorizationUnknown`.
    case inquiryResult(InquiryOutcome)
    /// A reversal sent after a timeout undoes whatever the issuer did. Legal in
    /// `authorizationUnknown`.
    case reverse
    /// Capture `amountMinorUnits` (nil: everything capturable). A partial capture releases the
    /// rest of the authorization. Legal in `authorized`.
    case capture(amountMinorUnits: Int64?)
    /// Cancel before capture, releasing any hold. Legal in `created`, `requiresAction`,
    /// `authorized`.
    case void
    /// The uncaptured authorization lapsed. Legal in `authorized`.
    case expire
    /// The settlement run paid the captured amount out. Legal in `captured`, and in `refunded`
    /// or `disputed` if not settled yet.
    case settle
    /// Refund part or all of what is left of the capture. Legal in `captured`, `settled`.
    case refund(amountMinorUnits: Int64)
    /// The cardholder's bank disputes `amountMinorUnits`: a chargeback (`needs_response`, the
    /// funds and the fee are withdrawn) or, with `isInquiry`, an inquiry
    /// (`warning_needs_response`, nothing moves). Legal in `captured`, `settled`, once per
    /// payment.
    case openDispute(amountMinorUnits: Int64, isInquiry: Bool)
    /// The merchant submitted evidence: `warning_needs_response` → `warning_under_review`,
    /// `needs_response` → `under_review`. Legal once, while the dispute waits for a response.
    case submitEvidence
    /// The cardholder's bank turns an open inquiry into a chargeback (`needs_response`): the
    /// funds and the fee are withdrawn now. Legal in `warning_needs_response` and
    /// `warning_under_review`.
    case escalateInquiry
    /// The cardholder's bank closes an open inquiry without a chargeback (`warning_closed`):
    /// nothing moved, and the payment is back where it was (`captured` or `settled`).
    case closeInquiry
    /// The network decided a chargeback: `won` only after evidence (`under_review`), `lost`
    /// from `under_review` or from `needs_response` (no response by the deadline, or accepted).
    case closeDispute(DisputeOutcome)
    /// The customer's bank returned a bank debit after it was accepted. Legal in `captured`,
    /// `settled` and `refunded` (the return arrives days later, possibly after the payout or a
    /// refund).
    case bankReturn

    /// Coded by position, one byte in the journal (`BinaryEncoder`), not by name: a new case goes last.
    private enum CodingKeys: Int, CodingKey {
        case authorizationResult, requireAction, actionCompleted, actionAbandoned, inquiryResult, reverse,
            capture, void, expire, settle, refund, openDispute, submitEvidence, escalateInquiry, closeInquiry,
            closeDispute, bankReturn
    }

    /// A stable snake-case name for metrics and logs: "capture", "authorization_result".
    public var name: String {
        switch self {
        case .authorizationResult: "authorization_result"
        case .requireAction: "require_action"
        case .actionCompleted: "action_completed"
        case .actionAbandoned: "action_abandoned"
        case .inquiryResult: "inquiry_result"
        case .reverse: "reverse"
        case .capture: "capture"
        case .void: "void"
        case .expire: "expire"
        case .settle: "settle"
        case .refund: "refund"
        case .openDispute: "open_dispute"
        case .submitEvidence: "submit_evidence"
        case .escalateInquiry: "escalate_inquiry"
        case .closeInquiry: "close_inquiry"
        case .closeDispute: "close_dispute"
        case .bankReturn: "bank_return"
        }
    }

    /// The verb phrase for error messages: "cannot \(verb) a payment in state voided".
    public var verb: String {
        switch self {
        case .authorizationResult(.approved): "approve the authorization of"
        case .authorizationResult(.declined): "decline the authorization of"
        case .authorizationResult(.timedOut): "time out the authorization of"
        case .requireAction: "require 3-D Secure for"
        case .actionCompleted: "complete 3-D Secure for"
        case .actionAbandoned: "abandon 3-D Secure for"
        case .inquiryResult: "resolve an authorization inquiry for"
        case .reverse: "reverse"
        case .capture: "capture"
        case .void: "void"
        case .expire: "expire"
        case .settle: "settle"
        case .refund: "refund"
        case .openDispute: "open a dispute on"
        case .submitEvidence: "submit dispute evidence for"
        case .escalateInquiry: "escalate the dispute inquiry of"
        case .closeInquiry: "close the dispute inquiry of"
        case .closeDispute: "close the dispute of"
        case .bankReturn: "return the bank debit of"
        }
    }

    /// The amount the command carries, if any.
    public var amountMinorUnits: Int64? {
        switch self {
        case .capture(let amount): amount
        case .refund(let amount), .openDispute(let amount, _): amount
        default: nil
        }
    }

    /// "capture(500)", "authorization_result(declined(do_not_honor))".
    public var description: String {
        switch self {
        case .authorizationResult(let outcome): "\(name)(\(outcome))"
        case .inquiryResult(let outcome): "\(name)(\(outcome))"
        case .capture(let amount): "\(name)(\(amount.map(String.init) ?? "all"))"
        case .refund(let amount): "\(name)(\(amount))"
        case .openDispute(let amount, let isInquiry): "\(name)(\(amount)\(isInquiry ? ", inquiry" : ""))"
        case .closeDispute(let outcome): "\(name)(\(outcome))"
        default: name
        }
    }
}
