/// The status of a dispute, in Stripe's `dispute.status` vocabulary.
///
/// `warningNeedsResponse` is an inquiry (a retrieval request): no funds are withdrawn yet, but
/// the merchant should answer. The other open statuses withdraw the disputed amount from the
/// merchant until the dispute closes.
public enum DisputeStatus: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case warningNeedsResponse = "warning_needs_response"
    case needsResponse = "needs_response"
    case underReview = "under_review"
    case won
    case lost

    public var description: String { rawValue }

    /// Whether the dispute is still open (evidence may be submitted, it may be closed).
    public var isOpen: Bool {
        switch self {
        case .warningNeedsResponse, .needsResponse, .underReview: true
        case .won, .lost: false
        }
    }
}
