import Foundation
import NIOCore
import NIOHTTP1
import Services
import WireHTTP

/// An endpoint as the sender posts to it: its address, its request's path and fixed headers,
/// and its secret's HMAC key schedule, made once per endpoint rather than for every attempt
/// (parsing the URL and keying HMAC-SHA256 were a share of each delivery's cost).
struct WebhookTarget: Sendable {
    let url: String
    let secret: String
    let address: WireAddress
    /// The request's target: the URL's path and query.
    let uri: String
    let headers: HTTPHeaders
    let signingKey: WebhookSigningKey

    /// Nil when `url` is not an `http://` URL with a host (the sender speaks no TLS).
    init?(url: String, secret: String) {
        // Printable ASCII only in the host, which goes into the `Host` header: the sender's
        // connections do not check each request's headers again (`WebhookSender`).
        guard let components = URLComponents(string: url), components.scheme?.lowercased() == "http",
            let host = components.host, !host.isEmpty,
            host.utf8.allSatisfy({ (0x21...0x7E).contains($0) })
        else { return nil }
        let port = components.port ?? 80
        guard (1...65_535).contains(port) else { return nil }
        address = WireAddress(host: host, port: port)
        let path = components.percentEncodedPath
        uri = (path.isEmpty ? "/" : path) + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
        var headers = HTTPHeaders()
        headers.reserveCapacity(5)
        headers.add(name: "Host", value: address.hostHeader)
        headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        headers.add(name: "User-Agent", value: "Stripe/1.0 (+https://stripe.com/docs/webhooks)")
        self.headers = headers
        self.url = url
        self.secret = secret
        // A URL checked at registration is keyed with its secret afterwards (`keyed`).
        signingKey = secret.isEmpty ? Self.emptyKey : WebhookSigningKey(secret: secret)
    }

    private static let emptyKey = WebhookSigningKey(secret: "")

    private init(_ parsed: WebhookTarget, secret: String) {
        url = parsed.url
        address = parsed.address
        uri = parsed.uri
        headers = parsed.headers
        self.secret = secret
        signingKey = WebhookSigningKey(secret: secret)
    }

    /// The same endpoint signing with `secret`, its URL not parsed again.
    func keyed(secret: String) -> WebhookTarget { WebhookTarget(self, secret: secret) }

    /// The request of one attempt: `body`, signed at `timestampUnixSeconds`.
    func request(body: [UInt8], timestampUnixSeconds: Int64) -> WireRequest {
        var headers = headers
        headers.add(
            name: WebhookSigner.headerName,
            value: WebhookSigner.header(payload: body, key: signingKey, timestamp: timestampUnixSeconds))
        return WireRequest(.POST, uri, headers: headers, body: body)
    }
}
