import NIOHTTP1

/// What a client keeps of one HTTP answer: the status, the body, and the few headers a
/// client of Stripe's API acts on.
public struct WireResponse: Equatable, Sendable {
    public var status: Int
    public var body: String
    public var replayed = false
    public var retryAfterSeconds: Int64?
    public var shouldRetry: Bool?
    /// The server closes the connection after it (`Connection: close`, HTTP/1.0, or a body
    /// read to the connection's end).
    public var closes = false

    public init(status: Int, body: String) {
        self.status = status
        self.body = body
    }

    /// The head's fields; the body comes after.
    public init(head: HTTPResponseHead) {
        status = Int(head.status.code)
        body = ""
        closes = !head.isKeepAlive
        if let replayed = head.headers.first(name: "idempotent-replayed") {
            self.replayed = replayed.lowercased() == "true"
        }
        retryAfterSeconds = head.headers.first(name: "retry-after").flatMap { Int64($0) }
        shouldRetry = head.headers.first(name: "stripe-should-retry").map { $0.lowercased() == "true" }
    }
}
