import Services
import Testing

@testable import Server

/// An endpoint's URL as the sender posts to it: the address it connects to, the `Host` header,
/// the request target with its query, and which URLs it cannot post to at all.
@Suite struct WebhookTargetTests {
    @Test func aURLBecomesItsAddressHostHeaderAndRequestTarget() throws {
        let target = try #require(
            WebhookTarget(url: "http://127.0.0.1:8401/hooks/m1?k=v%20w", secret: "whsec_x"))
        #expect(target.address.host == "127.0.0.1" && target.address.port == 8401)
        #expect(target.uri == "/hooks/m1?k=v%20w")
        #expect(target.headers.first(name: "host") == "127.0.0.1:8401")
        let bare = try #require(WebhookTarget(url: "http://example.test", secret: "whsec_x"))
        #expect(bare.address.port == 80)
        #expect(bare.uri == "/")
        #expect(bare.headers.first(name: "host") == "example.test")
        let six = try #require(WebhookTarget(url: "http://[::1]:9000/h", secret: "whsec_x"))
        #expect(six.address.host == "::1")
        #expect(six.headers.first(name: "host") == "[::1]:9000")
    }

    @Test func eachAttemptIsSignedOverItsBody() throws {
        let target = try #require(WebhookTarget(url: "http://127.0.0.1:1/h", secret: "whsec_sign"))
        let body = Array(#"{"id":"evt_1"}"#.utf8)
        let request = target.request(body: body, timestampUnixSeconds: 1_700_000_000)
        let header = try #require(request.head.headers.first(name: WebhookSigner.headerName))
        #expect(
            try WebhookSigner.verify(payload: body, header: header, secret: "whsec_sign", now: 1_700_000_010)
                == 1_700_000_000)
        #expect(request.head.headers.first(name: "content-length") == String(body.count))
        #expect(request.body?.readableBytes == body.count)
    }

    @Test func whatTheSenderCannotPostToIsNoTarget() {
        for url in [
            "https://example.test/h", "ftp://example.test/h", "http://", "http:///h", "not a url",
            // A host that is not printable ASCII would break the `Host` header.
            "http://a%0D%0Ab/h", "http://a%0Ab/h", "http://a%20b/h",
        ] {
            #expect(WebhookTarget(url: url, secret: "whsec_x") == nil, "\(url)")
        }
    }
}
