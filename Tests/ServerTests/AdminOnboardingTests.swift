import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Server
import Testing

/// `POST /admin/merchants` with `webhook_url`: the merchant and its endpoint in one request, the
/// endpoint's secret in the answer and the endpoint listed under the new key; a bad URL
/// onboards nobody.
@Suite struct AdminOnboardingTests {
    @Test func onboardingWithAWebhookURLRegistersTheEndpointToo() async throws {
        try await BadInputTests.withServer { client in
            let url = "http://127.0.0.1:9/hooks/m1-1"
            let (status, json) = try await BadInputTests.post(
                client, "/admin/merchants",
                "settlement_currency=eur&webhook_url=\(url.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)",
                key: nil)
            #expect(status == 200, "\(json)")
            let key = try #require(json["secret_key"] as? String)
            #expect(key.hasPrefix("sk_test_"))
            #expect(json["settlement_currency"] as? String == "eur")
            let endpoint = try #require(json["webhook_endpoint"] as? [String: Any])
            let secret = try #require(endpoint["secret"] as? String)
            #expect(secret.hasPrefix("whsec_"))
            #expect(secret.utf8.count == 38)
            #expect(secret.dropFirst(6).allSatisfy { $0.isNumber || ("a"..."z").contains($0) })
            #expect(endpoint["url"] as? String == url)
            #expect(endpoint["enabled_events"] as? [String] == ["*"])
            let response = try await client.execute(
                uri: "/v1/webhook_endpoints", method: .get, headers: [.authorization: "Bearer \(key)"])
            let listed =
                try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8))
                as? [String: Any]
            let ids = (listed?["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(ids == [try #require(endpoint["id"] as? String)])
        }
    }

    @Test func aBadWebhookURLOnboardsNobody() async throws {
        try await BadInputTests.withServer { client in
            // Merchants are numbered in order: the refused onboarding between two good ones
            // must not take a number.
            let (_, before) = try await BadInputTests.post(
                client, "/admin/merchants", "settlement_currency=usd", key: nil)
            let (status, json) = try await BadInputTests.post(
                client, "/admin/merchants", "settlement_currency=usd&webhook_url=ftp%3A%2F%2Fx", key: nil)
            #expect(status == 400)
            #expect(BadInputTests.error(json)["param"] as? String == "webhook_url")
            let (plain, after) = try await BadInputTests.post(
                client, "/admin/merchants", "settlement_currency=usd", key: nil)
            #expect(plain == 200)
            // Without the parameter the answer is the account alone, as before.
            #expect(after["webhook_endpoint"] == nil)
            let first = try MerchantID(parsing: try #require(before["id"] as? String))
            let second = try MerchantID(parsing: try #require(after["id"] as? String))
            #expect(second.rawValue == first.rawValue + 1)
        }
    }
}
