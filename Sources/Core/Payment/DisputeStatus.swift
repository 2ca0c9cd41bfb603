/// The status of a dispute, in Stripe's `dispute.status` vocabulary.
///
/// Two kinds of dispute share it, as at Stripe:
/// - an *inquiry* (a retrieval request, `warning_*`): the cardholder's bank asks questions and
///   nothing moves. The merchant may answer (`warning_needs_response` → `warning_under_review`);
///   the inquiry then closes (`warning_closed`) or the bank escalates it into a chargeback
///   (→ `needs_response`), which is when the funds and the dispute fee are withdrawn;
/// - a *chargeback*: the disputed amount and the fee are withdrawn when it opens
///   (`needs_response`); the merchant's evidence puts it `under_review`; the bank decides `won`
///   (funds and fee reinstated) or `lost`. A chargeback nobody answered is lost.
///
/// The journal codes a case as its position in `allCases` (`BinaryEncoder`): a new case goes last.
public enum DisputeStatus: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case warningNeedsResponse = "warning_needs_response"
    case warningUnderReview = "warning_under_review"
    case warningClosed = "warning_closed"
    case needsResponse = "needs_response"
    case underReview = "under_review"
    case won
    case lost

    public var description: String { rawValue }

    /// Whether the dispute is still open (evidence may be submitted, it may be closed).
    public var isOpen: Bool {
        switch self {
        case .warningNeedsResponse, .warningUnderReview, .needsResponse, .underReview: true
        case .warningClosed, .won, .lost: false
        }
    }

    /// Whether this is an inquiry (`warning_*`): no money moved for it.
    public var isInquiry: Bool {
        switch self {
        case .warningNeedsResponse, .warningUnderReview, .warningClosed: true
        case .needsResponse, .underReview, .won, .lost: false
        }
    }

    /// Whether the merchant can still submit evidence.
    public var needsResponse: Bool { self == .warningNeedsResponse || self == .needsResponse }
}
