"""The official stripe-python SDK against `paystorm serve`: every route through the SDK's own
methods, the test cards' declines, idempotency, rate limits, authentication, and webhooks
verified by `stripe.Webhook.construct_event`.

Run by scripts/test (PAYSTORM_BIN names the executable). Each test class starts its own server
on a free loopback port.
"""

import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import urllib.request
from unittest import mock

import stripe

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "PythonSupport"))
import paystorm_server  # noqa: E402
from paystorm_server import start_server, stop_server  # noqa: E402

KEY_A = "sk_test_interop_merchant_a"
KEY_B = "sk_test_interop_merchant_b"
KEY_SEARCH = "sk_test_interop_merchant_search"


def client(base, key=KEY_A, retries=0):
    return stripe.StripeClient(key, base_addresses={"api": base}, max_network_retries=retries)


class Receiver(http.server.BaseHTTPRequestHandler):
    deliveries = []
    status = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.deliveries.append((dict(self.headers), body))
        self.send_response(Receiver.status)
        self.end_headers()

    def log_message(self, *arguments):
        pass


class PaymentIntentsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.process, cls.base = start_server(
            "--api-key",
            KEY_A,
            "--api-key",
            KEY_B,
            "--api-key",
            KEY_SEARCH,
            "--rate-limit",
            "10000",
            "--rate-burst",
            "10000",
        )
        cls.stripe = client(cls.base)

    @classmethod
    def tearDownClass(cls):
        # SIGTERM: a graceful stop exits 0.
        assert stop_server(cls.process) == 0

    def test_create_confirm_and_retrieve(self):
        intent = self.stripe.v1.payment_intents.create(
            params={
                "amount": 2000,
                "currency": "usd",
                "payment_method": "pm_card_visa",
                "confirm": True,
                "metadata": {"order": "42"},
            }
        )
        self.assertEqual(intent.object, "payment_intent")
        self.assertTrue(intent.id.startswith("pi_"))
        self.assertEqual(intent.status, "succeeded")
        self.assertEqual(intent.amount_received, 2000)
        self.assertEqual(intent.metadata["order"], "42")
        self.assertTrue(intent.latest_charge.startswith("ch_"))
        again = self.stripe.v1.payment_intents.retrieve(intent.id)
        self.assertEqual(again.id, intent.id)
        self.assertEqual(again.status, "succeeded")
        self.assertIsNone(again.last_payment_error)

    def test_the_same_test_card_is_never_blocked_as_velocity(self):
        # Stripe's test mode scores no test card: 30 charges on pm_card_visa all succeed.
        for _ in range(30):
            intent = self.stripe.v1.payment_intents.create(
                params={"amount": 1000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
            )
            self.assertEqual(intent.status, "succeeded")

    def test_create_then_confirm_later(self):
        intent = self.stripe.v1.payment_intents.create(
            params={"amount": 1500, "currency": "eur", "payment_method_types": ["card"]}
        )
        self.assertEqual(intent.status, "requires_payment_method")
        confirmed = self.stripe.v1.payment_intents.confirm(
            intent.id, params={"payment_method": "pm_card_mastercard"}
        )
        self.assertEqual(confirmed.status, "succeeded")
        self.assertEqual(confirmed.payment_method, "pm_card_mastercard")

    def test_manual_capture_partial(self):
        intent = self.stripe.v1.payment_intents.create(
            params={
                "amount": 5000,
                "currency": "usd",
                "payment_method": "pm_card_visa",
                "confirm": True,
                "capture_method": "manual",
            }
        )
        self.assertEqual(intent.status, "requires_capture")
        self.assertEqual(intent.amount_capturable, 5000)
        captured = self.stripe.v1.payment_intents.capture(intent.id, params={"amount_to_capture": 3000})
        self.assertEqual(captured.status, "succeeded")
        self.assertEqual(captured.amount_received, 3000)

    def test_cancel(self):
        intent = self.stripe.v1.payment_intents.create(
            params={
                "amount": 800,
                "currency": "usd",
                "payment_method": "pm_card_visa",
                "confirm": True,
                "capture_method": "manual",
            }
        )
        canceled = self.stripe.v1.payment_intents.cancel(
            intent.id, params={"cancellation_reason": "requested_by_customer"}
        )
        self.assertEqual(canceled.status, "canceled")
        self.assertEqual(canceled.cancellation_reason, "requested_by_customer")
        with self.assertRaises(stripe.InvalidRequestError) as caught:
            self.stripe.v1.payment_intents.capture(intent.id)
        self.assertEqual(caught.exception.code, "payment_intent_unexpected_state")

    def test_update_metadata(self):
        intent = self.stripe.v1.payment_intents.create(params={"amount": 700, "currency": "usd"})
        updated = self.stripe.v1.payment_intents.update(
            intent.id, params={"metadata": {"note": "<script>alert(1)</script>"}, "description": "gift"}
        )
        self.assertEqual(updated.metadata["note"], "<script>alert(1)</script>")
        self.assertEqual(updated.description, "gift")

    def test_list_with_cursors(self):
        other = client(self.base, KEY_B)
        ids = [
            other.v1.payment_intents.create(params={"amount": 100 + i, "currency": "usd"}).id for i in range(5)
        ]
        first = other.v1.payment_intents.list(params={"limit": 2})
        self.assertEqual([p.id for p in first.data], ids[::-1][:2])
        self.assertTrue(first.has_more)
        second = other.v1.payment_intents.list(params={"limit": 2, "starting_after": first.data[-1].id})
        self.assertEqual([p.id for p in second.data], ids[::-1][2:4])
        before = other.v1.payment_intents.list(params={"limit": 10, "ending_before": ids[0]})
        self.assertEqual([p.id for p in before.data], ids[::-1][:4])
        newer = other.v1.payment_intents.list(params={"created": {"gte": int(time.time()) - 3600}, "limit": 100})
        self.assertEqual(len(newer.data), 5)
        self.assertEqual(newer.url, "/v1/payment_intents")

    def test_search_by_status_currency_amount_created_and_metadata(self):
        searcher = client(self.base, KEY_SEARCH)
        paid = [
            searcher.v1.payment_intents.create(
                params={
                    "amount": 1000 + i,
                    "currency": "usd",
                    "payment_method": "pm_card_visa",
                    "confirm": True,
                    "metadata": {"batch": "s", "n": str(i)},
                }
            )
            for i in range(3)
        ]
        manual = searcher.v1.payment_intents.create(
            params={
                "amount": 5000,
                "currency": "eur",
                "payment_method": "pm_card_visa",
                "confirm": True,
                "capture_method": "manual",
            }
        )
        unpaid = searcher.v1.payment_intents.create(params={"amount": 700, "currency": "usd"})
        with self.assertRaises(stripe.CardError) as declined:
            searcher.v1.payment_intents.create(
                params={
                    "amount": 800,
                    "currency": "usd",
                    "payment_method": "pm_card_chargeDeclined",
                    "confirm": True,
                }
            )
        declined_id = declined.exception.error.payment_intent.id

        def ids(query, **extra):
            result = searcher.v1.payment_intents.search(params={"query": query, **extra})
            self.assertEqual(result.object, "search_result")
            self.assertEqual(result.url, "/v1/payment_intents/search")
            return [p.id for p in result.data]

        newest_first = [p.id for p in paid[::-1]]
        self.assertEqual(ids("status:'succeeded'"), newest_first)
        self.assertEqual(ids("status:'requires_capture'"), [manual.id])
        self.assertEqual(ids("status:'requires_payment_method'"), [declined_id, unpaid.id])
        self.assertEqual(ids("currency:'eur'"), [manual.id])
        self.assertEqual(ids("amount>1001 AND status:'succeeded'"), [paid[2].id])
        self.assertEqual(ids("-status:'succeeded'"), [declined_id, unpaid.id, manual.id])
        self.assertEqual(ids(f"created>={int(time.time()) - 3600} AND metadata['n']:'1'"), [paid[1].id])
        self.assertEqual(ids("status:'canceled' OR status:'requires_capture'"), [manual.id])
        self.assertEqual(ids("created<1000000000"), [])
        # Pages: next_page goes on where the last page ended; the SDK's iterator follows it.
        first = searcher.v1.payment_intents.search(params={"query": "metadata['batch']:'s'", "limit": 2})
        self.assertEqual([p.id for p in first.data], newest_first[:2])
        self.assertTrue(first.has_more)
        second = searcher.v1.payment_intents.search(
            params={"query": "metadata['batch']:'s'", "limit": 2, "page": first.next_page}
        )
        self.assertEqual([p.id for p in second.data], newest_first[2:])
        self.assertFalse(second.has_more)
        self.assertIsNone(second.next_page)
        self.assertEqual([p.id for p in first.auto_paging_iter()], newest_first)
        # Another merchant's search finds none of these.
        others = client(self.base, KEY_B).v1.payment_intents.search(params={"query": "amount>0", "limit": 100})
        self.assertFalse(set(p.id for p in others.data) & set(newest_first + [manual.id, unpaid.id]))
        for query, words in [
            ("colour:'red'", "unsupported search field"),
            ("status:'succeeded' AND currency:'usd' OR amount>1", "AND and OR"),
            ("amount>'ten'", "takes a number"),
            ("status:'succeeded", "unable to parse"),
        ]:
            with self.assertRaises(stripe.InvalidRequestError) as caught:
                searcher.v1.payment_intents.search(params={"query": query})
            self.assertEqual(caught.exception.http_status, 400)
            self.assertEqual(caught.exception.param, "query")
            self.assertIn(words, caught.exception.user_message)
        with self.assertRaises(stripe.InvalidRequestError) as caught:
            searcher.v1.payment_intents.search(params={"query": "amount>0", "page": "page_pi_00000000000000"})
        self.assertEqual(caught.exception.param, "page")

    def test_other_merchant_sees_404(self):
        intent = self.stripe.v1.payment_intents.create(params={"amount": 900, "currency": "usd"})
        with self.assertRaises(stripe.InvalidRequestError) as caught:
            client(self.base, KEY_B).v1.payment_intents.retrieve(intent.id)
        self.assertEqual(caught.exception.http_status, 404)
        self.assertEqual(caught.exception.code, "resource_missing")

    def test_decline_cards(self):
        cases = {
            "pm_card_chargeDeclined": ("card_declined", "generic_decline"),
            "pm_card_chargeDeclinedInsufficientFunds": ("card_declined", "insufficient_funds"),
            "pm_card_chargeDeclinedLostCard": ("card_declined", "lost_card"),
            "pm_card_chargeDeclinedStolenCard": ("card_declined", "stolen_card"),
            "pm_card_chargeDeclinedExpiredCard": ("expired_card", "expired_card"),
            "pm_card_chargeDeclinedIncorrectCvc": ("incorrect_cvc", "incorrect_cvc"),
            "pm_card_chargeDeclinedProcessingError": ("processing_error", "processing_error"),
        }
        for method, (code, decline_code) in cases.items():
            with self.subTest(method=method):
                with self.assertRaises(stripe.CardError) as caught:
                    self.stripe.v1.payment_intents.create(
                        params={"amount": 1000, "currency": "usd", "payment_method": method, "confirm": True}
                    )
                error = caught.exception
                self.assertEqual(error.code, code)
                self.assertEqual(error.error.decline_code, decline_code)
                intent_id = error.error.payment_intent["id"]
                intent = self.stripe.v1.payment_intents.retrieve(intent_id)
                self.assertEqual(intent.status, "requires_payment_method")
                self.assertEqual(intent.last_payment_error.decline_code, decline_code)

    def test_raw_card_numbers(self):
        with self.assertRaises(stripe.CardError) as caught:
            self.stripe.v1.payment_intents.create(
                params={
                    "amount": 1000,
                    "currency": "usd",
                    "confirm": True,
                    "payment_method_data": {
                        "type": "card",
                        "card": {"number": "4000000000009995", "exp_month": 12, "exp_year": 2034, "cvc": "123"},
                    },
                }
            )
        self.assertEqual(caught.exception.error.decline_code, "insufficient_funds")
        self.assertNotIn("4000000000009995", json.dumps(caught.exception.json_body))

    def test_three_d_secure(self):
        intent = self.stripe.v1.payment_intents.create(
            params={
                "amount": 3000,
                "currency": "usd",
                "payment_method": "pm_card_authenticationRequired",
                "confirm": True,
            }
        )
        self.assertEqual(intent.status, "requires_action")
        self.assertEqual(intent.next_action.type, "redirect_to_url")
        url = intent.next_action.redirect_to_url.url
        request = urllib.request.Request(url, data=b"outcome=succeed", method="POST")
        with urllib.request.urlopen(request) as response:
            self.assertEqual(json.loads(response.read())["status"], "succeeded")
        failing = self.stripe.v1.payment_intents.create(
            params={
                "amount": 3000,
                "currency": "usd",
                "payment_method": "pm_card_threeDSecure2Required",
                "confirm": True,
            }
        )
        request = urllib.request.Request(
            failing.next_action.redirect_to_url.url, data=b"outcome=fail", method="POST"
        )
        with self.assertRaises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request)
        self.assertEqual(caught.exception.code, 402)
        after = self.stripe.v1.payment_intents.retrieve(failing.id)
        self.assertEqual(after.status, "requires_payment_method")
        self.assertEqual(after.last_payment_error.code, "payment_intent_authentication_failure")

    def test_refunds(self):
        intent = self.stripe.v1.payment_intents.create(
            params={"amount": 4000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
        )
        partial = self.stripe.v1.refunds.create(params={"payment_intent": intent.id, "amount": 1500})
        self.assertEqual(partial.object, "refund")
        self.assertTrue(partial.id.startswith("re_"))
        self.assertEqual(partial.amount, 1500)
        self.assertEqual(partial.status, "succeeded")
        rest = self.stripe.v1.refunds.create(params={"payment_intent": intent.id})
        self.assertEqual(rest.amount, 2500)
        self.assertEqual(self.stripe.v1.refunds.retrieve(partial.id).amount, 1500)
        listed = self.stripe.v1.refunds.list(params={"payment_intent": intent.id})
        self.assertEqual([r.id for r in listed.data], [rest.id, partial.id])
        with self.assertRaises(stripe.InvalidRequestError):
            self.stripe.v1.refunds.create(params={"payment_intent": intent.id, "amount": 1})

    def test_disputes(self):
        intent = self.stripe.v1.payment_intents.create(
            params={"amount": 6000, "currency": "usd", "payment_method": "pm_card_createDispute", "confirm": True}
        )
        disputes = self.stripe.v1.disputes.list()
        dispute = next(d for d in disputes.data if d.payment_intent == intent.id)
        self.assertTrue(dispute.id.startswith("dp_"))
        self.assertEqual(dispute.status, "needs_response")
        self.assertEqual(dispute.amount, 6000)
        submitted = self.stripe.v1.disputes.update(
            dispute.id, params={"evidence": {"uncategorized_text": "shipped"}, "submit": True}
        )
        self.assertEqual(submitted.status, "under_review")
        self.assertEqual(self.stripe.v1.disputes.retrieve(dispute.id).status, "under_review")
        second = self.stripe.v1.payment_intents.create(
            params={"amount": 6000, "currency": "usd", "payment_method": "pm_card_createDispute", "confirm": True}
        )
        closing = next(d for d in self.stripe.v1.disputes.list().data if d.payment_intent == second.id)
        self.assertEqual(self.stripe.v1.disputes.close(closing.id).status, "lost")

    def test_balance_and_events(self):
        balance = self.stripe.v1.balance.retrieve()
        self.assertEqual(balance.object, "balance")
        self.assertTrue(any(entry.currency == "usd" for entry in balance.pending))
        intent = self.stripe.v1.payment_intents.create(
            params={"amount": 1200, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
        )
        events = self.stripe.v1.events.list(params={"limit": 100})
        mine = [e for e in events.data if e.data.object["id"] == intent.id]
        types = {e.type for e in mine}
        self.assertIn("payment_intent.created", types)
        self.assertIn("payment_intent.succeeded", types)
        self.assertTrue(all(e.id.startswith("evt_") for e in mine))
        one = self.stripe.v1.events.retrieve(mine[0].id)
        self.assertEqual(one.id, mine[0].id)
        only = self.stripe.v1.events.list(params={"type": "payment_intent.succeeded", "limit": 100})
        self.assertTrue(all(e.type == "payment_intent.succeeded" for e in only.data))

    def test_balance_transactions(self):
        intent = self.stripe.v1.payment_intents.create(
            params={"amount": 2000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
        )
        listed = self.stripe.v1.balance_transactions.list(params={"limit": 100})
        charge = next(t for t in listed.data if t.source == intent.latest_charge)
        self.assertEqual(charge.object, "balance_transaction")
        self.assertTrue(charge.id.startswith("txn_"))
        self.assertEqual(charge.type, "charge")
        self.assertEqual(charge.amount, 2000)
        # Stripe's US price: 2.9% + 30 cents.
        self.assertEqual(charge.fee, 88)
        self.assertEqual(charge.net, 1912)
        self.assertEqual(listed.url, "/v1/balance_transactions")

    def test_idempotency(self):
        params = {"amount": 2100, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
        first = self.stripe.v1.payment_intents.create(params=params, options={"idempotency_key": "order-7"})
        again = self.stripe.v1.payment_intents.create(params=params, options={"idempotency_key": "order-7"})
        self.assertEqual(first.id, again.id)
        self.assertEqual(again.last_response.headers.get("Idempotent-Replayed"), "true")
        with self.assertRaises(stripe.IdempotencyError):
            self.stripe.v1.payment_intents.create(
                params=dict(params, amount=2200), options={"idempotency_key": "order-7"}
            )
        # The first answer is replayed, errors included.
        declined = dict(params, payment_method="pm_card_chargeDeclined")
        with self.assertRaises(stripe.CardError) as one:
            self.stripe.v1.payment_intents.create(params=declined, options={"idempotency_key": "order-8"})
        with self.assertRaises(stripe.CardError) as two:
            self.stripe.v1.payment_intents.create(params=declined, options={"idempotency_key": "order-8"})
        self.assertEqual(one.exception.error.payment_intent["id"], two.exception.error.payment_intent["id"])

    def test_authentication(self):
        with self.assertRaises(stripe.AuthenticationError):
            client(self.base, "sk_test_unknown_key").v1.payment_intents.list()
        request = urllib.request.Request(self.base + "/v1/payment_intents")
        with self.assertRaises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request)
        self.assertEqual(caught.exception.code, 401)
        self.assertTrue(caught.exception.headers["Request-Id"].startswith("req_"))

    def test_bad_input(self):
        with self.assertRaises(stripe.InvalidRequestError) as caught:
            self.stripe.v1.payment_intents.create(params={"amount": 100, "currency": "usd", "colour": "red"})
        self.assertEqual(caught.exception.code, "parameter_unknown")
        self.assertEqual(caught.exception.param, "colour")
        with self.assertRaises(stripe.InvalidRequestError) as caught:
            self.stripe.v1.payment_intents.create(params={"amount": "ten", "currency": "usd"})
        self.assertEqual(caught.exception.code, "parameter_invalid_integer")
        with self.assertRaises(stripe.InvalidRequestError) as caught:
            self.stripe.v1.payment_intents.create(params={"amount": 100000000000, "currency": "usd"})
        self.assertEqual(caught.exception.code, "amount_too_large")
        with self.assertRaises(stripe.InvalidRequestError) as caught:
            self.stripe.v1.payment_intents.create(params={"currency": "usd"})
        self.assertEqual(caught.exception.code, "parameter_missing")


class RateLimitTest(unittest.TestCase):
    def test_429_in_stripes_shape(self):
        process, base = start_server("--api-key", KEY_A, "--rate-limit", "1", "--rate-burst", "3")
        try:
            sdk = client(base)
            with self.assertRaises(stripe.RateLimitError) as caught:
                for _ in range(20):
                    sdk.v1.payment_intents.list()
            self.assertEqual(caught.exception.http_status, 429)
            self.assertEqual(caught.exception.error.code, "rate_limit")
            self.assertGreaterEqual(int(caught.exception.headers.get("Retry-After")), 1)
        finally:
            stop_server(process)


class WebhookTest(unittest.TestCase):
    def test_deliveries_verify_with_construct_event(self):
        Receiver.deliveries = []
        receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        threading.Thread(target=receiver.serve_forever, daemon=True).start()
        process, base = start_server("--api-key", KEY_A)
        try:
            sdk = client(base)
            endpoint = sdk.v1.webhook_endpoints.create(
                params={
                    "url": "http://127.0.0.1:%d/hook" % receiver.server_address[1],
                    "enabled_events": ["payment_intent.succeeded", "payment_intent.created"],
                }
            )
            self.assertTrue(endpoint.secret.startswith("whsec_"))
            self.assertTrue(endpoint.id.startswith("we_"))
            intent = sdk.v1.payment_intents.create(
                params={"amount": 999, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
            )
            deadline = time.time() + 10
            while len(Receiver.deliveries) < 2 and time.time() < deadline:
                time.sleep(0.05)
            self.assertEqual(len(Receiver.deliveries), 2)
            types = set()
            for headers, body in Receiver.deliveries:
                event = stripe.Webhook.construct_event(body, headers["Stripe-Signature"], endpoint.secret)
                self.assertEqual(event.data.object.id, intent.id)
                types.add(event.type)
            self.assertEqual(types, {"payment_intent.created", "payment_intent.succeeded"})
            headers, body = Receiver.deliveries[0]
            with self.assertRaises(stripe.SignatureVerificationError):
                stripe.Webhook.construct_event(body.replace(b"999", b"998"), headers["Stripe-Signature"], endpoint.secret)
            with mock.patch("time.time", return_value=time.time() + 600):
                with self.assertRaises(stripe.SignatureVerificationError):
                    stripe.Webhook.construct_event(body, headers["Stripe-Signature"], endpoint.secret)
            listed = sdk.v1.webhook_endpoints.list()
            self.assertEqual([e.id for e in listed.data], [endpoint.id])
            deleted = sdk.v1.webhook_endpoints.delete(endpoint.id)
            self.assertTrue(deleted.deleted)
        finally:
            stop_server(process)
            receiver.shutdown()
            receiver.server_close()

    def test_failing_endpoint_is_retried_then_dead_lettered(self):
        Receiver.deliveries = []
        Receiver.status = 500
        receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        threading.Thread(target=receiver.serve_forever, daemon=True).start()
        process, base = start_server(
            "--api-key", KEY_A, "--webhook-attempts", "3", "--webhook-backoff-milliseconds", "50",
            "--webhook-url", "http://127.0.0.1:%d/hook" % receiver.server_address[1],
        )
        try:
            client(base).v1.payment_intents.create(params={"amount": 500, "currency": "usd"})
            deadline = time.time() + 10
            audit = None
            while time.time() < deadline:
                with urllib.request.urlopen(base + "/admin/audit") as response:
                    audit = json.loads(response.read())
                if audit["webhooks"]["dead_lettered"] >= 1:
                    break
                time.sleep(0.05)
            self.assertEqual(audit["webhooks"]["dead_lettered"], 1)
            self.assertEqual(len(Receiver.deliveries), 3)
            self.assertTrue(audit["ledger_balanced"])
            failed = client(base).v1.events.list(params={"delivery_success": False})
            self.assertEqual([e.type for e in failed.data], ["payment_intent.created"])
        finally:
            Receiver.status = 200
            stop_server(process)
            receiver.shutdown()
            receiver.server_close()


def kill_server(process):
    """SIGKILL: no shutdown, no flush; what was answered must already be durable."""
    process.kill()
    process.wait(timeout=20)
    process.stdout.close()


class PayoutsTest(unittest.TestCase):
    """Payouts from the daily settlement (`POST /admin/settlement`), and a balance transaction
    by id, through the SDK's own methods."""

    def test_settlement_pays_out_the_net(self):
        process, base = start_server("--api-key", KEY_A, "--api-key", KEY_B)
        try:
            sdk = client(base)
            self.assertEqual(sdk.v1.payouts.list().data, [])
            for amount in [2000, 1000]:
                sdk.v1.payment_intents.create(
                    params={"amount": amount, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
                )
            request = urllib.request.Request(base + "/admin/settlement", data=b"", method="POST")
            with urllib.request.urlopen(request) as response:
                summary = json.loads(response.read())
            self.assertEqual(summary["payouts"], 1)
            payouts = sdk.v1.payouts.list()
            self.assertEqual(len(payouts.data), 1)
            payout = payouts.data[0]
            self.assertTrue(payout.id.startswith("po_"))
            self.assertEqual(payout.object, "payout")
            # 2.9% + 30 of each charge kept as fees: 2000 - 88 and 1000 - 59.
            self.assertEqual(payout.amount, (2000 - 88) + (1000 - 59))
            self.assertEqual(payout.currency, "usd")
            self.assertEqual(payout.status, "in_transit")
            self.assertEqual(payout.arrival_date, payout.created + 86400)
            again = sdk.v1.payouts.retrieve(payout.id)
            self.assertEqual((again.id, again.amount), (payout.id, payout.amount))
            transaction = sdk.v1.balance_transactions.retrieve(payout.balance_transaction)
            self.assertEqual(transaction.object, "balance_transaction")
            self.assertEqual(transaction.type, "payout")
            self.assertEqual(transaction.amount, -payout.amount)
            self.assertEqual(transaction.source, payout.id)
            charges = sdk.v1.balance_transactions.list(params={"type": "charge"})
            first = sdk.v1.balance_transactions.retrieve(charges.data[0].id)
            self.assertEqual((first.id, first.net), (charges.data[0].id, charges.data[0].net))
            # Another merchant sees neither, and an unknown id is Stripe's resource_missing.
            other = client(base, KEY_B)
            self.assertEqual(other.v1.payouts.list().data, [])
            with self.assertRaises(stripe.InvalidRequestError) as caught:
                other.v1.payouts.retrieve(payout.id)
            self.assertEqual(caught.exception.code, "resource_missing")
            with self.assertRaises(stripe.InvalidRequestError) as caught:
                other.v1.balance_transactions.retrieve(payout.balance_transaction)
            self.assertEqual(caught.exception.code, "resource_missing")
            # Nothing more to pay: a second run pays nothing.
            with urllib.request.urlopen(
                urllib.request.Request(base + "/admin/settlement", data=b"", method="POST")
            ) as response:
                self.assertEqual(json.loads(response.read())["payouts"], 0)
        finally:
            self.assertEqual(stop_server(process), 0)


class EdgeTest(unittest.TestCase):
    """The bad-input cases that need a process: a client that stops sending is cut off, and no
    card number reaches an answer, the log or the journal."""

    def test_an_idle_client_is_disconnected(self):
        process, base = start_server("--api-key", KEY_A, "--idle-timeout-seconds", "1")
        try:
            host, port = base[len("http://"):].split(":")
            connection = socket.create_connection((host, int(port)))
            connection.settimeout(15)
            # Half a request, then nothing: the server must not wait for the rest forever.
            connection.sendall(b"POST /v1/payment_intents HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n")
            started = time.time()
            try:
                received = connection.recv(4096)
            except ConnectionResetError:
                received = b""
            elapsed = time.time() - started
            connection.close()
            self.assertFalse(received.startswith(b"HTTP/1.1 2"), received)
            self.assertLess(elapsed, 10)
            # The server still answers others.
            self.assertEqual(client(base).v1.payment_intents.list().object, "list")
        finally:
            self.assertEqual(stop_server(process), 0)

    def test_a_trickling_client_is_cut_off(self):
        # Never idle for a second (the idle timeout is 5 s), but the request takes far longer
        # than the read timeout (2 s): headers a byte every 0.2 s, then a body the same way.
        process, base = start_server(
            "--api-key", KEY_A, "--idle-timeout-seconds", "5", "--read-timeout-seconds", "2"
        )
        try:
            host, port = base[len("http://"):].split(":")
            for request in [
                b"GET /v1/payment_intents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY_A.encode()
                + b"\r\nX-Padding: " + b"a" * 60 + b"\r\n\r\n",
                b"POST /v1/payment_intents HTTP/1.1\r\nHost: x\r\nContent-Length: 60\r\n\r\n" + b"a=1&" * 15,
            ]:
                connection = socket.create_connection((host, int(port)))
                connection.settimeout(15)
                started = time.time()
                sent = 0
                closed = False
                try:
                    for byte in request:
                        connection.sendall(bytes([byte]))
                        sent += 1
                        time.sleep(0.2)
                except (BrokenPipeError, ConnectionResetError):
                    closed = True
                if not closed:
                    try:
                        closed = connection.recv(4096) == b""
                    except ConnectionResetError:
                        closed = True
                elapsed = time.time() - started
                connection.close()
                # Cut off mid-request, about 2 s in, long before the request was sent whole.
                self.assertTrue(closed)
                self.assertLess(sent, len(request) - 5)
                self.assertLess(elapsed, 0.2 * len(request))
            # A request sent at once is unaffected, and so is a keep-alive connection that waits
            # between requests (silence is the idle timeout's).
            sdk = client(base)
            self.assertEqual(sdk.v1.payment_intents.list().object, "list")
            time.sleep(3)
            self.assertEqual(sdk.v1.payment_intents.list().object, "list")
        finally:
            self.assertEqual(stop_server(process), 0)

    def test_no_card_number_in_answers_log_or_journal(self):
        directory = tempfile.mkdtemp(prefix="paystorm-pan-")
        log = tempfile.TemporaryFile()
        process, base = start_server(
            "--api-key", KEY_A, "--journal", "file:" + os.path.join(directory, "journal"), stderr=log
        )
        numbers = ["4242424242424242", "4000000000009995", "4000002760003184"]
        answers = []
        try:
            for number in numbers:
                body = urllib.parse.urlencode(
                    {
                        "amount": 1000, "currency": "usd", "confirm": "true",
                        "payment_method_data[card][number]": number,
                        "payment_method_data[card][exp_month]": "12", "payment_method_data[card][exp_year]": "2034",
                    }
                ).encode()
                request = urllib.request.Request(
                    base + "/v1/payment_intents", data=body, method="POST",
                    headers={"Authorization": "Bearer " + KEY_A},
                )
                try:
                    with urllib.request.urlopen(request) as response:
                        answers.append(response.read())
                except urllib.error.HTTPError as error:
                    answers.append(error.read())
            sdk = client(base)
            answers.append(json.dumps(sdk.v1.events.list(params={"limit": 100}).to_dict()).encode())
            answers.append(json.dumps(sdk.v1.payment_intents.list(params={"limit": 100}).to_dict()).encode())
        finally:
            self.assertEqual(stop_server(process), 0)
        try:
            self.assertEqual(len(answers), 5)
            self.assertIn(b"\"status\":\"succeeded\"", answers[0])
            log.seek(0)
            written = [log.read()]
            for root, _, files in os.walk(directory):
                for name in files:
                    with open(os.path.join(root, name), "rb") as handle:
                        written.append(handle.read())
            self.assertGreater(sum(len(w) for w in written[1:]), 0)
            for number in numbers:
                for text in answers + written:
                    self.assertNotIn(number.encode(), text)
        finally:
            log.close()
            shutil.rmtree(directory, ignore_errors=True)


class JournalResumeTest(unittest.TestCase):
    """`paystorm serve --journal file:DIR`: what the API answered survives a SIGKILL and comes
    back with `--resume`, and a SIGTERM stops gracefully with everything durable."""

    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="paystorm-journal-")
        self.receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        threading.Thread(target=self.receiver.serve_forever, daemon=True).start()
        Receiver.deliveries = []

    def tearDown(self):
        self.receiver.shutdown()
        self.receiver.server_close()
        shutil.rmtree(self.directory, ignore_errors=True)

    def serve(self, *extra):
        return start_server(
            "--journal", "file:" + self.directory, "--api-key", KEY_A, "--rate-limit", "10000",
            "--rate-burst", "10000", *extra
        )

    def wait_for_deliveries(self, count):
        deadline = time.time() + 10
        while len(Receiver.deliveries) < count and time.time() < deadline:
            time.sleep(0.05)
        return list(Receiver.deliveries)

    def test_everything_answered_survives_sigkill(self):
        process, base = self.serve()
        try:
            sdk = client(base)
            endpoint = sdk.v1.webhook_endpoints.create(
                params={
                    "url": "http://127.0.0.1:%d/hook" % self.receiver.server_address[1],
                    "enabled_events": ["payment_intent.succeeded"],
                    "metadata": {"team": "payments"},
                }
            )
            succeeded = sdk.v1.payment_intents.create(
                params={
                    "amount": 2000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True,
                    "metadata": {"order": "42"},
                },
                options={"idempotency_key": "resume-create-1"},
            )
            unconfirmed = sdk.v1.payment_intents.create(
                params={"amount": 1500, "currency": "usd", "metadata": {"cart": "7"}}
            )
            sdk.v1.payment_intents.update(unconfirmed.id, params={"metadata": {"cart": "8", "note": "x"}})
            to_confirm = sdk.v1.payment_intents.create(
                params={"amount": 1700, "currency": "usd", "payment_method": "pm_card_mastercard"}
            )
            manual = sdk.v1.payment_intents.create(
                params={
                    "amount": 3000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True,
                    "capture_method": "manual",
                }
            )
            challenged = sdk.v1.payment_intents.create(
                params={
                    "amount": 2500, "currency": "usd", "payment_method": "pm_card_authenticationRequired",
                    "confirm": True,
                }
            )
            canceled = sdk.v1.payment_intents.create(params={"amount": 900, "currency": "usd"})
            sdk.v1.payment_intents.cancel(canceled.id, params={"cancellation_reason": "abandoned"})
            with self.assertRaises(stripe.CardError):
                sdk.v1.payment_intents.create(
                    params={
                        "amount": 1100, "currency": "usd",
                        "payment_method": "pm_card_chargeDeclinedInsufficientFunds", "confirm": True,
                        "metadata": {"declined": "yes"},
                    }
                )
            declined = next(
                i for i in sdk.v1.payment_intents.list(params={"limit": 100}).data
                if i.metadata.to_dict().get("declined") == "yes"
            )
            refund = sdk.v1.refunds.create(
                params={"payment_intent": succeeded.id, "amount": 500, "metadata": {"why": "damaged"}}
            )
            disputed = sdk.v1.payment_intents.create(
                params={"amount": 6000, "currency": "usd", "payment_method": "pm_card_createDispute", "confirm": True}
            )
            dispute = next(d for d in sdk.v1.disputes.list().data if d.payment_intent == disputed.id)
            request = urllib.request.Request(
                base + "/admin/merchants", data=b"api_key=sk_test_interop_onboarded_c", method="POST"
            )
            with urllib.request.urlopen(request) as response:
                onboarded = json.loads(response.read())
            other = client(base, "sk_test_interop_onboarded_c").v1.payment_intents.create(
                params={"amount": 700, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
            )
            self.assertEqual(len(self.wait_for_deliveries(2)), 2)
            settlement = urllib.request.Request(base + "/admin/settlement", data=b"", method="POST")
            with urllib.request.urlopen(settlement) as response:
                self.assertGreaterEqual(json.loads(response.read())["payouts"], 1)
            # Merchant A's dispute leaves its balance negative: merchant C is the one paid.
            paid = client(base, "sk_test_interop_onboarded_c")
            payouts_before = [(p.id, p.amount, p.balance_transaction) for p in paid.v1.payouts.list().data]
            self.assertEqual([amount for _, amount, _ in payouts_before], [700 - 50])
            intents = {
                i.id: i for i in [succeeded, unconfirmed, to_confirm, manual, challenged, canceled, declined, disputed]
            }
            before = {i.id: sdk.v1.payment_intents.retrieve(i.id) for i in intents.values()}
            events_before = [e.id for e in sdk.v1.events.list(params={"limit": 100}).data]
            balance_before = sdk.v1.balance.retrieve()
            transactions_before = [t.id for t in sdk.v1.balance_transactions.list(params={"limit": 100}).data]
        finally:
            kill_server(process)

        process, base = self.serve("--resume")
        try:
            sdk = client(base)
            for id, old in before.items():
                now = sdk.v1.payment_intents.retrieve(id)
                for field in [
                    "status", "amount", "amount_received", "amount_capturable", "currency", "capture_method",
                    "created", "cancellation_reason", "payment_method",
                ]:
                    self.assertEqual(now[field], old[field], "%s of %s" % (field, id))
                self.assertEqual(now.metadata.to_dict(), old.metadata.to_dict(), id)
            self.assertEqual(before[unconfirmed.id].status, "requires_payment_method")
            self.assertEqual(before[unconfirmed.id].metadata.to_dict(), {"cart": "8", "note": "x"})
            self.assertEqual(before[to_confirm.id].status, "requires_confirmation")
            self.assertEqual(before[challenged.id].status, "requires_action")
            self.assertEqual(before[manual.id].status, "requires_capture")
            self.assertEqual(before[canceled.id].status, "canceled")
            self.assertEqual(
                sdk.v1.payment_intents.retrieve(declined.id).last_payment_error.decline_code, "insufficient_funds"
            )
            again = sdk.v1.refunds.retrieve(refund.id)
            self.assertEqual((again.amount, again.metadata.to_dict()), (500, {"why": "damaged"}))
            self.assertEqual(sdk.v1.disputes.retrieve(dispute.id).status, "needs_response")
            self.assertEqual([e.id for e in sdk.v1.events.list(params={"limit": 100}).data], events_before)
            # Nothing charged twice: the same balance and the same movements.
            balance = sdk.v1.balance.retrieve()
            self.assertEqual(
                [(b.currency, b.amount) for b in balance.pending],
                [(b.currency, b.amount) for b in balance_before.pending],
            )
            # The same movements (listed in the journal's order of bookings, which may differ
            # from the order the ledger applied them in).
            self.assertEqual(
                sorted(t.id for t in sdk.v1.balance_transactions.list(params={"limit": 100}).data),
                sorted(transactions_before),
            )
            paid = client(base, "sk_test_interop_onboarded_c")
            self.assertEqual(
                [(p.id, p.amount, p.balance_transaction) for p in paid.v1.payouts.list().data], payouts_before
            )
            # A retried idempotent create answers the same object, and charges nothing more.
            retried = sdk.v1.payment_intents.create(
                params={
                    "amount": 2000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True,
                    "metadata": {"order": "42"},
                },
                options={"idempotency_key": "resume-create-1"},
            )
            self.assertEqual(retried.id, succeeded.id)
            self.assertEqual(retried.status, "succeeded")
            self.assertEqual(retried.metadata.to_dict(), {"order": "42"})
            self.assertEqual(retried.last_response.headers.get("Idempotent-Replayed"), "true")
            self.assertEqual(
                sorted(t.id for t in sdk.v1.balance_transactions.list(params={"limit": 100}).data),
                sorted(transactions_before),
            )
            # The onboarded merchant's key still works and sees only its payment.
            c = client(base, "sk_test_interop_onboarded_c")
            self.assertEqual([i.id for i in c.v1.payment_intents.list().data], [other.id])
            self.assertNotEqual(onboarded["id"], "")
            # Waiting intents go on where they were left.
            confirmed = sdk.v1.payment_intents.confirm(to_confirm.id)
            self.assertEqual(confirmed.status, "succeeded")
            captured = sdk.v1.payment_intents.capture(manual.id)
            self.assertEqual(captured.amount_received, 3000)
            # The endpoint and its secret came back: the next delivery verifies with the secret
            # answered before the kill.
            listed = sdk.v1.webhook_endpoints.list()
            self.assertEqual([(e.id, e.metadata.to_dict()) for e in listed.data], [(endpoint.id, {"team": "payments"})])
            deliveries = self.wait_for_deliveries(4)
            self.assertGreaterEqual(len(deliveries), 4)
            for headers, body in deliveries[2:]:
                event = stripe.Webhook.construct_event(body, headers["Stripe-Signature"], endpoint.secret)
                self.assertIn(event.data.object.id, [to_confirm.id, manual.id])
            # New objects do not reuse ids of the earlier life.
            fresh = sdk.v1.payment_intents.create(params={"amount": 800, "currency": "usd"})
            self.assertNotIn(fresh.id, before)
            fresh_refund = sdk.v1.refunds.create(params={"payment_intent": succeeded.id, "amount": 100})
            self.assertNotEqual(fresh_refund.id, refund.id)
        finally:
            self.assertEqual(stop_server(process), 0)

    def test_sigterm_stops_gracefully_and_resumes(self):
        process, base = self.serve()
        try:
            sdk = client(base)
            intent = sdk.v1.payment_intents.create(
                params={"amount": 1234, "currency": "usd", "metadata": {"kept": "yes"}}
            )
            # A journal holds one life of the processor: a reset, which would forget it, is refused.
            with self.assertRaises(urllib.error.HTTPError) as caught:
                urllib.request.urlopen(urllib.request.Request(base + "/admin/reset", data=b"", method="POST"))
            self.assertEqual(caught.exception.code, 400)
            self.assertEqual(json.loads(caught.exception.read())["error"]["code"], "reset_unavailable")
            # A request in flight when SIGTERM comes is answered before the process exits: the
            # card network answers 1.5 s late.
            faults = urllib.request.Request(
                base + "/admin/faults", data=b"kind=network_latency&milliseconds=1500", method="POST"
            )
            urllib.request.urlopen(faults).close()
            outcome = {}

            def confirm():
                outcome["started"] = time.time()
                try:
                    outcome["intent"] = sdk.v1.payment_intents.create(
                        params={"amount": 4321, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
                    )
                except Exception as error:  # noqa: BLE001 - reported by the assertion below
                    outcome["error"] = error
                outcome["answered"] = time.time()

            worker = threading.Thread(target=confirm)
            worker.start()
            time.sleep(0.5)
            terminated = time.time()
        finally:
            self.assertEqual(stop_server(process), 0)
        worker.join(timeout=20)
        self.assertNotIn("error", outcome)
        # SIGTERM came while it was in flight, and it was still answered.
        self.assertLess(outcome["started"], terminated)
        self.assertGreater(outcome["answered"], terminated + 0.5)
        in_flight = outcome["intent"]
        self.assertEqual(in_flight.status, "succeeded")
        # A directory that holds a journal is refused without --resume: nothing appends to
        # another life's journal by mistake.
        refused = subprocess.run(
            [paystorm_server.BIN, "serve", "--port", "0", "--journal", "file:" + self.directory],
            capture_output=True, text=True, timeout=60,
        )
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("--resume", refused.stderr)
        process, base = self.serve("--resume")
        try:
            again = client(base).v1.payment_intents.retrieve(intent.id)
            self.assertEqual(
                (again.status, again.amount, again.metadata.to_dict()), ("requires_payment_method", 1234, {"kept": "yes"})
            )
            answered = client(base).v1.payment_intents.retrieve(in_flight.id)
            self.assertEqual((answered.status, answered.amount_received), ("succeeded", 4321))
        finally:
            self.assertEqual(stop_server(process), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
