import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

@testable import Server

/// The dashboard's security cases, in process: the session cookie's flags and lifetime, forms
/// refused without their token, another merchant's objects answered 404, every value escaped,
/// no card number anywhere, and a session that is gone after signing out.
@Suite struct DashboardSecurityTests {
    static let keyA = "sk_test_dashboard_merchant_a"
    static let keyB = "sk_test_dashboard_merchant_b"

    static func withServer(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var options = PaystormServer.Options()
        options.port = 0
        options.apiKeys = [keyA, keyB]
        let app = try await PaystormServer(options: options).makeApplication()
        try await app.test(.router) { client in try await body(client) }
    }

    struct Answer {
        var status: Int
        var headers: HTTPFields
        var body: String
    }

    static func request(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, body: String? = nil,
        cookie: String? = nil, key: String? = nil
    ) async throws -> Answer {
        var headers = HTTPFields()
        if body != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        if let cookie { headers[.cookie] = cookie }
        if let key { headers[.authorization] = "Bearer \(key)" }
        let response = try await client.execute(
            uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        return Answer(
            status: Int(response.status.code), headers: response.headers, body: String(buffer: response.body))
    }

    /// The value of `name`'s `Set-Cookie`, with its attributes.
    static func setCookie(_ answer: Answer, _ name: String) -> String? {
        answer.headers[values: .setCookie].first { $0.hasPrefix(name + "=") }
    }

    static func cookieValue(_ setCookie: String?) -> String? {
        guard let setCookie else { return nil }
        return String(setCookie.prefix { $0 != ";" })
    }

    /// The first `name="csrf" value="..."` of a page.
    static func csrf(_ html: String) -> String? {
        guard let range = html.range(of: "name=\"csrf\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    struct SignedIn {
        var cookie: String
        var csrf: String
        var setCookie: String
    }

    static func signIn(_ client: any TestClientProtocol, key: String) async throws -> SignedIn {
        let form = try await request(client, .get, "/dashboard/sign-in")
        #expect(form.status == 200)
        let nonce = try #require(cookieValue(setCookie(form, Dashboard.signInCookie)))
        let token = try #require(csrf(form.body))
        let answer = try await request(
            client, .post, "/dashboard/sign-in", body: "csrf=\(token)&key=\(key)", cookie: nonce)
        #expect(answer.status == 303)
        #expect(answer.headers[.location] == "/dashboard")
        let sessionSetCookie = try #require(setCookie(answer, Dashboard.sessionCookie))
        let cookie = try #require(cookieValue(sessionSetCookie))
        let overview = try await request(client, .get, "/dashboard", cookie: cookie)
        #expect(overview.status == 200)
        return SignedIn(cookie: cookie, csrf: try #require(csrf(overview.body)), setCookie: sessionSetCookie)
    }

    static func pay(
        _ client: any TestClientProtocol, key: String, extra: String = ""
    ) async throws -> [String: Any] {
        let answer = try await request(
            client, .post, "/v1/payment_intents",
            body: "amount=2000&currency=usd&payment_method=pm_card_visa&confirm=true" + extra, key: key)
        #expect(answer.status == 200)
        return try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
    }

    @Test func theSessionCookieIsHttpOnlyStrictScopedAndExpires() async throws {
        try await Self.withServer { client in
            let session = try await Self.signIn(client, key: Self.keyA)
            let attributes = session.setCookie.split(separator: ";").map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            #expect(attributes.contains("HttpOnly"))
            #expect(attributes.contains("SameSite=Strict"))
            #expect(attributes.contains("Path=/dashboard"))
            #expect(attributes.contains("Max-Age=3600"))
            // 32 random bytes in hex.
            #expect(session.cookie.count == Dashboard.sessionCookie.count + 1 + 64)
        }
    }

    @Test func aSessionEndsWhenItsLifetimeHasPassed() {
        let clock = Mutex<Int64>(1_000)
        let sessions = DashboardSessions(lifetimeSeconds: 60, now: { clock.withLock { $0 } })
        let session = sessions.start(merchant: MerchantID(1), apiKey: "sk_test_x")
        clock.withLock { $0 = 1_059 }
        #expect(sessions.session(session.token)?.merchant == MerchantID(1))
        clock.withLock { $0 = 1_060 }
        #expect(sessions.session(session.token) == nil)
        #expect(sessions.count == 0)
    }

    @Test func pagesNeedASession() async throws {
        try await Self.withServer { client in
            for path in ["/dashboard", "/dashboard/payments", "/dashboard/disputes", "/dashboard/webhooks"] {
                let answer = try await Self.request(client, .get, path)
                #expect(answer.status == 303, "\(path)")
                #expect(answer.headers[.location] == "/dashboard/sign-in", "\(path)")
            }
            let forged = try await Self.request(
                client, .get, "/dashboard",
                cookie: "\(Dashboard.sessionCookie)=\(String(repeating: "a", count: 64))")
            #expect(forged.status == 303)
        }
    }

    @Test func formsWithoutTheirTokenAreRefused() async throws {
        try await Self.withServer { client in
            // Sign-in: no token, a token without its cookie, a wrong token.
            let form = try await Self.request(client, .get, "/dashboard/sign-in")
            let nonce = try #require(Self.cookieValue(Self.setCookie(form, Dashboard.signInCookie)))
            let token = try #require(Self.csrf(form.body))
            for (body, cookie) in [
                ("key=\(Self.keyA)", nonce), ("csrf=\(token)&key=\(Self.keyA)", nil),
                ("csrf=\(String(repeating: "0", count: 64))&key=\(Self.keyA)", nonce),
            ] {
                let answer = try await Self.request(
                    client, .post, "/dashboard/sign-in", body: body, cookie: cookie)
                #expect(answer.status == 403, "\(body)")
                #expect(Self.setCookie(answer, Dashboard.sessionCookie) == nil)
            }

            // An action: refused without the session's token, done with it.
            let session = try await Self.signIn(client, key: Self.keyA)
            let id = try #require(try await Self.pay(client, key: Self.keyA)["id"] as? String)
            for body in ["", "csrf=", "csrf=\(String(session.csrf.reversed()))"] {
                let refused = try await Self.request(
                    client, .post, "/dashboard/payments/\(id)/refund", body: body, cookie: session.cookie)
                #expect(refused.status == 403, "\(body)")
            }
            let intent = try await Self.request(client, .get, "/v1/payment_intents/\(id)", key: Self.keyA)
            #expect(intent.body.contains("\"status\":\"succeeded\""))
            let refunds = try await Self.request(
                client, .get, "/v1/refunds?payment_intent=\(id)", key: Self.keyA)
            #expect(refunds.body.contains("\"data\":[]"))

            let done = try await Self.request(
                client, .post, "/dashboard/payments/\(id)/refund",
                body: "csrf=\(session.csrf)&idempotency_key=dashboard_test_1&amount=5.00",
                cookie: session.cookie)
            #expect(done.status == 303)
            let page = try await Self.request(
                client, .get, "/dashboard/payments/\(id)", cookie: session.cookie)
            #expect(page.body.contains("Refunded 5.00 USD"))
            // The same form sent again is replayed by the API's idempotency: one refund.
            _ = try await Self.request(
                client, .post, "/dashboard/payments/\(id)/refund",
                body: "csrf=\(session.csrf)&idempotency_key=dashboard_test_1&amount=5.00",
                cookie: session.cookie)
            let after = try await Self.request(
                client, .get, "/v1/refunds?payment_intent=\(id)", key: Self.keyA)
            #expect(after.body.components(separatedBy: "\"object\":\"refund\"").count == 2)
        }
    }

    @Test func anotherMerchantsObjectsAnswer404() async throws {
        try await Self.withServer { client in
            let other = try #require(try await Self.pay(client, key: Self.keyB)["id"] as? String)
            let disputed = try await Self.request(
                client, .post, "/v1/payment_intents",
                body: "amount=3000&currency=usd&payment_method=pm_card_createDispute&confirm=true",
                key: Self.keyB)
            let disputedID = try #require(
                (try JSONSerialization.jsonObject(with: Data(disputed.body.utf8)) as? [String: Any])?["id"]
                    as? String)
            let session = try await Self.signIn(client, key: Self.keyA)
            let page = try await Self.request(
                client, .get, "/dashboard/payments/\(other)", cookie: session.cookie)
            #expect(page.status == 404)
            #expect(!page.body.contains("20.00 USD"))
            let missing = try await Self.request(
                client, .get, "/dashboard/payments/pi_99999999999999", cookie: session.cookie)
            #expect(missing.status == 404)
            let malformed = try await Self.request(
                client, .get, "/dashboard/payments/nonsense", cookie: session.cookie)
            #expect(malformed.status == 404)
            for action in ["refund", "capture", "cancel"] {
                let answer = try await Self.request(
                    client, .post, "/dashboard/payments/\(other)/\(action)", body: "csrf=\(session.csrf)",
                    cookie: session.cookie)
                #expect(answer.status == 404, "\(action)")
            }
            let evidence = try await Self.request(
                client, .post, "/dashboard/disputes/dp_\(disputedID.dropFirst(3))/evidence",
                body: "csrf=\(session.csrf)&uncategorized_text=mine", cookie: session.cookie)
            #expect(evidence.status == 404)
            let endpoint = try await Self.request(
                client, .post, "/v1/webhook_endpoints",
                body: "url=http%3A%2F%2F127.0.0.1%3A9%2Fb&enabled_events[]=*", key: Self.keyB)
            let endpointID = try #require(
                (try JSONSerialization.jsonObject(with: Data(endpoint.body.utf8)) as? [String: Any])?["id"]
                    as? String)
            let resend = try await Self.request(
                client, .post, "/dashboard/webhooks/resend",
                body: "csrf=\(session.csrf)&event=evt_00000000000001&endpoint=\(endpointID)",
                cookie: session.cookie)
            #expect(resend.status == 404)
            let webhooks = try await Self.request(client, .get, "/dashboard/webhooks", cookie: session.cookie)
            #expect(!webhooks.body.contains(endpointID))
            let list = try await Self.request(client, .get, "/dashboard/payments", cookie: session.cookie)
            #expect(!list.body.contains(other))
            let search = try await Self.request(
                client, .get, "/dashboard/payments?q=\(other)", cookie: session.cookie)
            #expect(search.body.contains("<strong id=\"total-count\">0</strong>"))
            let csv = try await Self.request(client, .get, "/dashboard/payments.csv", cookie: session.cookie)
            #expect(!csv.body.contains(other))
            let disputes = try await Self.request(client, .get, "/dashboard/disputes", cookie: session.cookie)
            #expect(!disputes.body.contains(String(disputedID.dropFirst(3))))
            // B's refund was not made.
            let refunds = try await Self.request(client, .get, "/v1/refunds", key: Self.keyB)
            #expect(refunds.body.contains("\"data\":[]"))
        }
    }

    @Test func valuesAreEscapedAndNoCardNumberIsShown() async throws {
        try await Self.withServer { client in
            let script = "<script>alert('x')</script>"
            let encoded = script.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let answer = try await Self.request(
                client, .post, "/v1/payment_intents",
                body:
                    "amount=1234&currency=usd&confirm=true&payment_method_data[type]=card"
                    + "&payment_method_data[card][number]=4242424242424242&metadata[note]=\(encoded)"
                    + "&description=\(encoded)&metadata[%22%3E%3Cb%3E]=x",
                key: Self.keyA)
            let json = try #require(
                try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
            let id = try #require(json["id"] as? String)
            let session = try await Self.signIn(client, key: Self.keyA)
            for path in ["/dashboard/payments/\(id)", "/dashboard/payments", "/dashboard"] {
                let page = try await Self.request(client, .get, path, cookie: session.cookie)
                #expect(page.status == 200, "\(path)")
                #expect(!page.body.contains("<script"), "\(path)")
                #expect(!page.body.contains("<b>"), "\(path)")
                #expect(!page.body.contains("4242424242424242"), "\(path)")
                #expect(page.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            }
            let page = try await Self.request(
                client, .get, "/dashboard/payments/\(id)", cookie: session.cookie)
            #expect(page.body.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
            #expect(page.body.contains("&quot;&gt;&lt;b&gt;"))
            #expect(page.body.contains("visa •••• 4242"))
            let csv = try await Self.request(client, .get, "/dashboard/payments.csv", cookie: session.cookie)
            #expect(csv.headers[.contentDisposition]?.hasPrefix("attachment") == true)
            #expect(!csv.body.contains("4242424242424242"))
            #expect(csv.body.contains(",visa,4242,"))
        }
    }

    @Test func signingOutEndsTheSessionOnTheServer() async throws {
        try await Self.withServer { client in
            let session = try await Self.signIn(client, key: Self.keyA)
            let refused = try await Self.request(
                client, .post, "/dashboard/sign-out", body: "csrf=wrong", cookie: session.cookie)
            #expect(refused.status == 403)
            let out = try await Self.request(
                client, .post, "/dashboard/sign-out", body: "csrf=\(session.csrf)", cookie: session.cookie)
            #expect(out.status == 303)
            let cleared = try #require(Self.setCookie(out, Dashboard.sessionCookie))
            #expect(cleared.contains("Max-Age=0"))
            // The old cookie, sent again, opens nothing.
            let after = try await Self.request(client, .get, "/dashboard", cookie: session.cookie)
            #expect(after.status == 303)
            #expect(after.headers[.location] == "/dashboard/sign-in")
        }
    }
}
