/// Why a request over the wire got no usable answer.
public enum WireError: Error, CustomStringConvertible {
    /// The server answered with this status where a success was needed.
    case refused(status: Int, body: String)
    /// The server's answer did not hold the field the client needs.
    case malformed(String)

    public var description: String {
        switch self {
        case .refused(let status, let body): "answered \(status): \(body.prefix(200))"
        case .malformed(let what): "malformed answer: \(what)"
        }
    }
}
