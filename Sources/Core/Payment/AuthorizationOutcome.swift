/// What a card network answered to an authorization request.
public enum AuthorizationOutcome: Hashable, Sendable, Codable, CustomStringConvertible {
    case approved
    case declined(DeclineCode)
    /// No answer within the timeout: the issuer may have approved. See
    /// `PaymentState.authorizationUnknown`.
    case timedOut

    /// Coded by position, one byte in the journal (`BinaryEncoder`), not by name: a new case goes last.
    private enum CodingKeys: Int, CodingKey {
        case approved, declined, timedOut
    }

    public var description: String {
        switch self {
        case .approved: "approved"
        case .declined(let code): "declined(\(code))"
        case .timedOut: "timed_out"
        }
    }
}
