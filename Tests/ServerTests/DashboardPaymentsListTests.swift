import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Server

/// The payments list reads the store's summaries, whose status the event observer keeps
/// current: a payment refunded, captured or declined is found under its new status.
@Suite struct DashboardPaymentsListTests {
    typealias Support = DashboardSecurityTests

    static func ids(_ html: String) -> [String] {
        html.components(separatedBy: "<tr data-id=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
    }

    @Test func statusFiltersFollowEachPaymentsEvents() async throws {
        try await Support.withServer { client in
            let key = Support.keyA
            let refunded = try #require(try await Support.pay(client, key: key)["id"] as? String)
            let kept = try #require(try await Support.pay(client, key: key)["id"] as? String)
            let manual = try #require(
                try await Support.pay(client, key: key, extra: "&capture_method=manual")["id"] as? String)
            let declined = try await Support.request(
                client, .post, "/v1/payment_intents",
                body: "amount=900&currency=eur&payment_method=pm_card_chargeDeclined&confirm=true", key: key)
            #expect(declined.status == 402)
            let refund = try await Support.request(
                client, .post, "/v1/refunds", body: "payment_intent=\(refunded)", key: key)
            #expect(refund.status == 200)
            let session = try await Support.signIn(client, key: key)
            func list(_ query: String) async throws -> [String] {
                let page = try await Support.request(
                    client, .get, "/dashboard/payments?\(query)", cookie: session.cookie)
                #expect(page.status == 200)
                return Self.ids(page.body)
            }
            #expect(try await list("status=refunded") == [refunded])
            #expect(try await list("status=succeeded") == [kept])
            #expect(try await list("status=uncaptured") == [manual])
            #expect(try await list("status=failed").count == 1)
            #expect(try await list("currency=eur&status=failed").count == 1)
            #expect(try await list("amount_min=20&amount_max=20&currency=usd").count == 3)
            #expect(try await list("amount_min=20.001").isEmpty)
            #expect(try await list("brand=visa&last4=4242").count == 3)
            #expect(try await list("last4=0002").count == 1)
            #expect(try await list("q=\(kept)") == [kept])
            #expect(try await list("q=pi_0000000000000").count == 4)
            #expect(try await list("").count == 4)
            // Cursors: one row a page is not offered, so check them through their links.
            let all = try await list("")
            #expect(try await list("starting_after=\(all[1])") == Array(all[2...]))
            #expect(try await list("ending_before=\(all[2])") == Array(all[..<2]))
            let capture = try await Support.request(
                client, .post, "/v1/payment_intents/\(manual)/capture", body: "", key: key)
            #expect(capture.status == 200)
            #expect(try await list("status=succeeded") == [manual, kept])
        }
    }
}
