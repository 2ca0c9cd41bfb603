import AsyncHTTPClient
import NIOHTTP1
import Services

/// An endpoint as the sender posts to it: its request with the URL parsed and the fixed
/// headers set, and its secret's HMAC key schedule, made once per endpoint rather than for
/// every attempt (parsing the URL through Foundation and keying HMAC-SHA256 were a share of
/// each delivery's cost).
struct WebhookTarget: Sendable {
    let url: String
    let secret: String
    let request: HTTPClient.Request
    let signingKey: WebhookSigningKey

    /// Nil when `url` is not an HTTP(S) URL the client can post to.
    init?(url: String, secret: String) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        headers.add(name: "User-Agent", value: "Stripe/1.0 (+https://stripe.com/docs/webhooks)")
        guard let request = try? HTTPClient.Request(url: url, method: .POST, headers: headers) else {
            return nil
        }
        self.url = url
        self.secret = secret
        self.request = request
        signingKey = WebhookSigningKey(secret: secret)
    }

    /// The request of one attempt: `body`, signed at `timestampUnixSeconds`.
    func request(body: [UInt8], timestampUnixSeconds: Int64) -> HTTPClient.Request {
        var request = request
        request.headers.add(
            name: WebhookSigner.headerName,
            value: WebhookSigner.header(payload: body, key: signingKey, timestamp: timestampUnixSeconds))
        request.body = .bytes(body)
        return request
    }
}
