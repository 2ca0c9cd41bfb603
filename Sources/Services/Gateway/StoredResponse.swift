/// A response as the idempotency store replays it: HTTP status and raw body bytes.
///
/// Errors are stored too (a 402 card decline or a 500 is replayed as such), because Stripe
/// replays whatever the first request answered once its work had begun.
public struct StoredResponse: Hashable, Sendable {
    public let status: Int
    public let body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }

    /// A response whose body is `text` in UTF-8.
    public init(status: Int, text: String) {
        self.init(status: status, body: Array(text.utf8))
    }
}
