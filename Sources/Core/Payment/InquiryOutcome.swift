/// What a status inquiry about a timed-out authorization found out.
public enum InquiryOutcome: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The issuer had approved: the payment is authorized (do not authorize it again).
    case approved
    /// The issuer had declined.
    case declined(DeclineCode)
    /// The issuer never saw the request. Nothing is held; the payment fails with
    /// `processing_error` and the customer may pay again as a new payment, which cannot
    /// double-charge.
    case notFound

    /// Coded by position, one byte in the journal (`BinaryEncoder`), not by name: a new case goes last.
    private enum CodingKeys: Int, CodingKey {
        case approved, declined, notFound
    }

    public var description: String {
        switch self {
        case .approved: "approved"
        case .declined(let code): "declined(\(code))"
        case .notFound: "not_found"
        }
    }
}
