import Core

/// What the network really did with a payment's authorization.
public enum NetworkInquiryResult: Hashable, Sendable, CustomStringConvertible {
    /// Approved and still standing (captured or not; see `CardNetwork.status(of:)`).
    case approved(authCode: String)
    case declined(DeclineCode)
    /// Approved, then released by a reversal.
    case reversed
    /// The request never reached the issuer (or the record was forgotten past its cap).
    case notFound

    public var description: String {
        switch self {
        case .approved(let code): "approved(\(code))"
        case .declined(let code): "declined(\(code))"
        case .reversed: "reversed"
        case .notFound: "not_found"
        }
    }
}
