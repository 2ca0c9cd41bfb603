import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// A PaymentIntent's first events carry what its create request said: Stripe's
/// `payment_intent.created` shows the intent's metadata, description, capture method and
/// creation time, as every later event and the create's answer do.
@Suite struct CreationEventsTests {
    @Test(arguments: [true, false])
    func everyEventOfACreateShowsItsMetadataAndCreationTime(confirm: Bool) async throws {
        try await BadInputTests.withServer { client in
            let (status, intent) = try await BadInputTests.post(
                client, "/v1/payment_intents",
                "amount=1500&currency=usd&payment_method=pm_card_visa&capture_method=manual"
                    + "&metadata[order]=42&description=Two%20mugs&confirm=\(confirm)")
            #expect(status == 200, "\(intent)")
            let id = try #require(intent["id"] as? String)
            let created = try #require(intent["created"] as? Int)
            #expect(created > 0)
            let response = try await client.execute(
                uri: "/v1/events?limit=100", method: .get,
                headers: [.authorization: "Bearer \(BadInputTests.key)"])
            let listed =
                try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8))
                as? [String: Any]
            let objects = (listed?["data"] as? [[String: Any]] ?? []).compactMap { event in
                ((event["data"] as? [String: Any])?["object"] as? [String: Any]).map {
                    (event["type"] as? String, $0)
                }
            }.filter { $0.1["id"] as? String == id }
            #expect(objects.contains { $0.0 == "payment_intent.created" })
            // Confirmed at once, the payment is authorized and waits for its capture.
            if confirm { #expect(objects.contains { $0.0 == "payment_intent.amount_capturable_updated" }) }
            for (type, object) in objects {
                #expect((object["metadata"] as? [String: Any])?["order"] as? String == "42", "\(type ?? "-")")
                #expect(object["description"] as? String == "Two mugs", "\(type ?? "-")")
                #expect(object["capture_method"] as? String == "manual", "\(type ?? "-")")
                #expect(object["created"] as? Int == created, "\(type ?? "-")")
            }
        }
    }
}
