import Testing

@testable import Client

@Suite struct WebhookEventFieldsTests {
    @Test func aPaymentIntentEventNamesItsIntent() {
        let body = #"""
            {"id":"evt_1","object":"event","api_version":"2025-01-27.acacia","created":1796522884,
             "data":{"object":{"id":"pi_7","object":"payment_intent","amount":2000,"canceled_at":null,
             "metadata":{"order":"42","note":"a \"quoted\" \\ value"},"payment_method_types":["card"],
             "last_payment_error":{"code":"card_declined"},"livemode":false,"amount_received":-1.5e3}},
             "livemode":false,"pending_webhooks":1,"request":{"id":null,"idempotency_key":null},
             "type":"payment_intent.succeeded"}
            """#
        #expect(
            WebhookEventFields(json: Array(body.utf8)) == WebhookEventFields(id: "evt_1", payment: "pi_7"))
    }

    @Test func aRefundEventNamesItsPaymentIntentNotItself() {
        let body =
            #"{"data":{"object":{"id":"re_1","object":"refund","payment_intent":"pi_9"}},"id":"evt_\u0032"}"#
        #expect(
            WebhookEventFields(json: Array(body.utf8)) == WebhookEventFields(id: "evt_2", payment: "pi_9"))
    }

    @Test func anEventWithoutAnObjectNamesNoPayment() {
        #expect(
            WebhookEventFields(json: Array(#"{"id":"evt_3","data":{}}"#.utf8))
                == WebhookEventFields(id: "evt_3", payment: nil))
    }

    @Test func whatIsNotAnEventObjectIsRefused() {
        let bodies = [
            "", "[]", "{}", #"{"id":3}"#, #"{"id":"evt_1""#, #"{"id":"evt_1",}"#, #"{"id":"evt_1"} x"#,
            #"{"id":"evt_1","data":{"object":{"id":"pi_1"}"#, #"{"id":"e\q"}"#, #"{"id":"evt_1","n":}"#,
        ]
        for body in bodies {
            #expect(WebhookEventFields(json: Array(body.utf8)) == nil, "\(body)")
        }
    }
}
