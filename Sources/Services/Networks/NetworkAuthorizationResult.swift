import Core

/// What the caller of `CardNetwork.authorize` learns.
public enum NetworkAuthorizationResult: Hashable, Sendable, CustomStringConvertible {
    /// The issuer approved and holds the amount; `authCode` is its six-character approval code.
    case approved(authCode: String)
    case declined(DeclineCode)
    /// No answer in time. The issuer may or may not have decided: ask with `inquire`, release
    /// with `reverse`, never authorize the payment again.
    case timedOut

    public var description: String {
        switch self {
        case .approved(let code): "approved(\(code))"
        case .declined(let code): "declined(\(code))"
        case .timedOut: "timed_out"
        }
    }
}
