"""`paystorm serve --journal file:DIR` SIGKILLed while clients keep sending, then restarted with
`--resume` on the same port: every payment a client was told about is still there as it was
told, and no idempotency key was charged twice, however many times its request was sent.

Run by scripts/test (PAYSTORM_BIN names the executable).
"""

import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

import stripe

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "PythonSupport"))
from paystorm_server import BIN, start_server, stop_server  # noqa: E402

KEY = "sk_test_kill_resume_merchant"
CLIENTS = 4


def call(base, method, path, form=None, idempotency_key=None, timeout=10):
    """One request: (status, JSON body, headers), or None when no answer came (refused, reset,
    timed out): the outcome is then unknown to the client."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Authorization", "Bearer " + KEY)
    if idempotency_key:
        request.add_header("Idempotency-Key", idempotency_key)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}"), dict(error.headers)
    except (OSError, ValueError):
        return None


class Client(threading.Thread):
    """A merchant's backend: creates payments one after another, each with its own idempotency
    key; a request without an answer (or answered 5xx, 409 or 429) is sent again with the same
    key after a backoff until it is answered, as a careful client does across a restart."""

    def __init__(self, base, number, stop):
        super().__init__(daemon=True)
        self.base, self.number, self.stop = base, number, stop
        self.told = {}  # key -> the intent the client was told about
        self.resent = 0
        self.how = {}

    def run(self):
        index = 0
        while not self.stop.is_set():
            index += 1
            key = "kill-resume-%d-%d" % (self.number, index)
            form = {
                "amount": 1000 + index, "currency": "usd", "payment_method": "pm_card_visa",
                "confirm": "true", "metadata[key]": key,
            }
            backoff = 0.05
            self.resent_of_key = 0
            deadline = time.time() + 120
            while time.time() < deadline:
                answer = call(self.base, "POST", "/v1/payment_intents", form, idempotency_key=key)
                if answer is not None and answer[0] == 200:
                    self.told[key] = answer[1]
                    self.how[key] = (answer[2].get("Idempotent-Replayed"), self.resent_of_key)
                    break
                if answer is not None and answer[0] not in (409, 429) and answer[0] < 500:
                    raise AssertionError("%s: answered %s %s" % (key, answer[0], answer[1]))
                self.resent += 1
                self.resent_of_key += 1
                time.sleep(backoff)
                backoff = min(backoff * 2, 1.0)
            else:
                raise AssertionError("%s: no answer in 120 s" % key)


class KillResumeTest(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="paystorm-kill-")

    def tearDown(self):
        shutil.rmtree(self.directory, ignore_errors=True)

    def serve(self, *extra, port=0):
        return start_server(
            "--journal", "file:" + self.directory, "--api-key", KEY, "--rate-limit", "100000",
            "--rate-burst", "100000", *extra, port=port,
        )

    def test_sigkill_mid_load_then_resume_loses_nothing_and_charges_once(self):
        process, base = self.serve()
        port = int(base.rsplit(":", 1)[1])
        stop = threading.Event()
        clients = [Client(base, number, stop) for number in range(CLIENTS)]
        for client in clients:
            client.start()
        try:
            # Load for a while, then the process dies with requests in flight.
            deadline = time.time() + 20
            while sum(len(c.told) for c in clients) < 40 and time.time() < deadline:
                time.sleep(0.05)
            told_before_kill = sum(len(c.told) for c in clients)
            self.assertGreaterEqual(told_before_kill, 40)
            process.kill()
            process.wait(timeout=20)
            process.stdout.close()
            # Back on the same port: the clients' resends find it there.
            process, _ = self.serve("--resume", port=port)
            deadline = time.time() + 60
            while sum(len(c.told) for c in clients) < told_before_kill + 40 and time.time() < deadline:
                time.sleep(0.05)
            stop.set()
            for client in clients:
                client.join(timeout=150)
                self.assertFalse(client.is_alive())
            told = {}
            for client in clients:
                told.update(client.told)
            self.assertGreaterEqual(len(told), told_before_kill + 40)
            # The clients had to send again across the restart.
            self.assertGreater(sum(c.resent for c in clients), 0)
            # Every payment a client was told about is there, as it was told.
            for key, intent in told.items():
                status, now, _ = call(base, "GET", "/v1/payment_intents/" + intent["id"])
                self.assertEqual(status, 200, key)
                for field in ["status", "amount", "amount_received", "currency"]:
                    self.assertEqual(now[field], intent[field], "%s of %s (%s)" % (field, intent["id"], key))
                self.assertEqual(now["metadata"], {"key": key}, str([c.how.get(key) for c in clients]))
                self.assertEqual(intent["status"], "succeeded")
                # Sent once more with its key: the same payment, replayed.
                status, again, headers = call(
                    base, "POST", "/v1/payment_intents",
                    {
                        "amount": intent["amount"], "currency": "usd", "payment_method": "pm_card_visa",
                        "confirm": "true", "metadata[key]": key,
                    },
                    idempotency_key=key,
                )
                self.assertEqual((status, again["id"]), (200, intent["id"]), key)
                self.assertEqual(headers.get("Idempotent-Replayed"), "true", key)
            # One charge per idempotency key: the server holds exactly one payment per key.
            keys = []
            cursor = None
            while True:
                path = "/v1/payment_intents?limit=100" + ("&starting_after=" + cursor if cursor else "")
                status, page, _ = call(base, "GET", path)
                self.assertEqual(status, 200)
                keys += [intent["metadata"].get("key") for intent in page["data"]]
                if not page["has_more"]:
                    break
                cursor = page["data"][-1]["id"]
            self.assertEqual(sorted(keys), sorted(told.keys()))
            # And the balance holds each of them once.
            status, balance, _ = call(base, "GET", "/v1/balance")
            self.assertEqual(status, 200)
            held = sum(b["amount"] for b in balance["available"] + balance["pending"] if b["currency"] == "usd")
            # Stripe's 2.9% + 30 on each charge (rounded half-even to the cent by the server).
            fees = sum(round(i["amount"] * 0.029 + 30) for i in told.values())
            self.assertAlmostEqual(held, sum(i["amount"] for i in told.values()) - fees, delta=len(told))
        finally:
            stop.set()
            self.assertEqual(stop_server(process), 0)


class RunnerAcrossKillTest(unittest.TestCase):
    """`paystorm run --target` drives the server while it is SIGKILLed and resumed on the same
    port: the runner resends what lost its answer (same idempotency keys) and every check it
    makes from outside holds (payments retrievable as told, one charge per key, refunds,
    events delivered or dead-lettered, signatures, the audit's ledger). Latency and the
    saturation verdict are not judged: the server was down for a while."""

    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="paystorm-run-kill-")

    def tearDown(self):
        shutil.rmtree(self.directory, ignore_errors=True)

    def test_every_outside_check_holds_across_a_sigkill(self):
        arguments = ["--journal", "file:" + self.directory, "--rate-limit", "100000", "--rate-burst", "100000"]
        process, base = start_server(*arguments)
        port = int(base.rsplit(":", 1)[1])
        report = os.path.join(self.directory, "run.json")
        runner = subprocess.Popen(
            [BIN, "run", "scenarios/smoke.yaml", "--mode", "realtime", "--duration", "8s", "--target", base,
             "--json", report],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(3)
            process.kill()
            process.wait(timeout=20)
            process.stdout.close()
            process, _ = start_server("--resume", *arguments, port=port)
            status = runner.wait(timeout=240)
        finally:
            if runner.poll() is None:
                runner.kill()
            self.assertEqual(stop_server(process), 0)
        with open(report) as handle:
            run = json.load(handle)
        failing = [(i["name"], i["examples"]) for i in run["invariants"] if not i["holds"]]
        self.assertEqual(failing, [])
        # 0: everything held; 3: a threshold or the saturation verdict failed (the outage).
        self.assertIn(status, (0, 3))
        names = {i["name"] for i in run["invariants"]}
        for name in [
            "acknowledged_payment_retrievable_as_told", "one_charge_per_idempotency_key",
            "refunds_listed_within_captured", "acknowledged_payment_events_delivered_or_dead_lettered",
            "webhook_signatures_valid", "audit_ledger_balanced_per_currency",
        ]:
            self.assertIn(name, names)
        # The kill cost answers, which the runner sent again.
        self.assertGreater(run["wire"]["answers_lost"], 0)
        self.assertGreater(run["wire"]["payments_checked"], 500)


class Receiver(http.server.BaseHTTPRequestHandler):
    """A merchant's endpoint: records each delivery's event id and answers `status`."""

    received = []
    status = 500

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((json.loads(body)["id"], Receiver.status))
        self.send_response(Receiver.status)
        self.end_headers()

    def log_message(self, *arguments):
        pass


class OwedWebhooksTest(unittest.TestCase):
    """Deliveries queued or waiting for a retry when the server is SIGKILLed are sent after
    `--resume`: nothing accepted is lost (at least once; the endpoint de-duplicates by id)."""

    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="paystorm-owed-")
        self.receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        threading.Thread(target=self.receiver.serve_forever, daemon=True).start()
        Receiver.received = []
        Receiver.status = 500

    def tearDown(self):
        self.receiver.shutdown()
        self.receiver.server_close()
        shutil.rmtree(self.directory, ignore_errors=True)

    def test_deliveries_owed_at_sigkill_are_sent_after_resume(self):
        arguments = [
            "--journal", "file:" + self.directory, "--api-key", KEY,
            "--webhook-url", "http://127.0.0.1:%d/hook" % self.receiver.server_address[1],
            "--webhook-attempts", "20", "--webhook-backoff-milliseconds", "300",
        ]
        process, base = start_server(*arguments)
        port = int(base.rsplit(":", 1)[1])
        try:
            ids = []
            for index in range(3):
                status, intent, _ = call(
                    base, "POST", "/v1/payment_intents",
                    {"amount": 500 + index, "currency": "usd", "payment_method": "pm_card_visa", "confirm": "true"},
                    idempotency_key="owed-%d" % index,
                )
                self.assertEqual(status, 200)
                ids.append(intent["id"])
            status, events, _ = call(base, "GET", "/v1/events?limit=100")
            self.assertEqual(status, 200)
            owed = {e["id"] for e in events["data"]}
            self.assertGreaterEqual(len(owed), 6)
            # Every delivery failed at least once (the endpoint answers 500) and waits for a retry.
            deadline = time.time() + 10
            while not owed <= {event for event, _ in Receiver.received} and time.time() < deadline:
                time.sleep(0.05)
            self.assertTrue(owed <= {event for event, _ in Receiver.received})
        finally:
            process.kill()
            process.wait(timeout=20)
            process.stdout.close()
        # The endpoint recovers while the server is down; nothing had been delivered.
        self.assertEqual([e for e, status in Receiver.received if status == 200], [])
        Receiver.status = 200
        process, base = start_server("--resume", *arguments, port=port)
        try:
            deadline = time.time() + 20
            delivered = set()
            while not owed <= delivered and time.time() < deadline:
                time.sleep(0.05)
                delivered = {event for event, status in Receiver.received if status == 200}
            self.assertEqual(owed - delivered, set())
        finally:
            self.assertEqual(stop_server(process), 0)


class RestoredKeysTest(unittest.TestCase):
    """An Idempotency-Key answered before a SIGKILL answers after `--resume` as it did before:
    the same parameters replay the first answer, other parameters are Stripe's
    `idempotency_error` (stripe-python's IdempotencyError)."""

    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="paystorm-keys-")

    def tearDown(self):
        shutil.rmtree(self.directory, ignore_errors=True)

    def test_a_key_reused_with_other_parameters_after_resume_is_refused(self):
        arguments = ["--journal", "file:" + self.directory, "--api-key", KEY]
        params = {"amount": 2000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
        process, base = start_server(*arguments)
        try:
            sdk = stripe.StripeClient(KEY, base_addresses={"api": base}, max_network_retries=0)
            first = sdk.v1.payment_intents.create(params=params, options={"idempotency_key": "restored-1"})
            capture = sdk.v1.payment_intents.create(
                params={**params, "capture_method": "manual"}, options={"idempotency_key": "restored-2"}
            )
            captured = sdk.v1.payment_intents.capture(
                capture.id, params={"amount_to_capture": 1500}, options={"idempotency_key": "restored-3"}
            )
            with self.assertRaises(stripe.IdempotencyError):
                sdk.v1.payment_intents.create(
                    params={**params, "amount": 2001}, options={"idempotency_key": "restored-1"}
                )
        finally:
            process.kill()
            process.wait(timeout=20)
            process.stdout.close()
        process, base = start_server("--resume", *arguments)
        try:
            sdk = stripe.StripeClient(KEY, base_addresses={"api": base}, max_network_retries=0)
            with self.assertRaises(stripe.IdempotencyError) as caught:
                sdk.v1.payment_intents.create(
                    params={**params, "amount": 2001}, options={"idempotency_key": "restored-1"}
                )
            self.assertEqual(caught.exception.http_status, 400)
            with self.assertRaises(stripe.IdempotencyError):
                sdk.v1.payment_intents.capture(
                    capture.id, params={"amount_to_capture": 1000}, options={"idempotency_key": "restored-3"}
                )
            again = sdk.v1.payment_intents.create(params=params, options={"idempotency_key": "restored-1"})
            self.assertEqual((again.id, again.status, again.amount), (first.id, "succeeded", 2000))
            self.assertEqual(again.last_response.headers.get("Idempotent-Replayed"), "true")
            recaptured = sdk.v1.payment_intents.capture(
                capture.id, params={"amount_to_capture": 1500}, options={"idempotency_key": "restored-3"}
            )
            self.assertEqual((recaptured.id, recaptured.amount_received), (captured.id, 1500))
            self.assertEqual(recaptured.last_response.headers.get("Idempotent-Replayed"), "true")
            # A new key with the same parameters is a new payment.
            fresh = sdk.v1.payment_intents.create(params=params, options={"idempotency_key": "restored-4"})
            self.assertNotEqual(fresh.id, first.id)
        finally:
            self.assertEqual(stop_server(process), 0)


class SignedReceiver(http.server.BaseHTTPRequestHandler):
    """Keeps each delivery's headers and body, to verify its signature."""

    deliveries = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        SignedReceiver.deliveries.append((dict(self.headers), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *arguments):
        pass


class EndpointSecretTest(unittest.TestCase):
    """Webhook signing secrets in the journal: plain text without a key (a Stripe double must
    sign with them after a restart), sealed with `--journal-key`; journal files are the
    owner's only."""

    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="paystorm-secret-")
        self.journal = os.path.join(self.directory, "journal")
        self.receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SignedReceiver)
        threading.Thread(target=self.receiver.serve_forever, daemon=True).start()
        SignedReceiver.deliveries = []
        self.key_file = os.path.join(self.directory, "key.hex")
        with open(self.key_file, "w") as handle:
            handle.write(os.urandom(32).hex())

    def tearDown(self):
        self.receiver.shutdown()
        self.receiver.server_close()
        shutil.rmtree(self.directory, ignore_errors=True)

    def journal_bytes(self):
        written = b""
        for root, _, files in os.walk(self.journal):
            for name in files:
                path = os.path.join(root, name)
                self.assertEqual(os.stat(path).st_mode & 0o077, 0, path)
                with open(path, "rb") as handle:
                    written += handle.read()
        return written

    def endpoint_then_kill(self, *extra):
        process, base = start_server("--journal", "file:" + self.journal, "--api-key", KEY, *extra)
        try:
            sdk = stripe.StripeClient(KEY, base_addresses={"api": base}, max_network_retries=0)
            endpoint = sdk.v1.webhook_endpoints.create(
                params={"url": "http://127.0.0.1:%d/hook" % self.receiver.server_address[1], "enabled_events": ["*"]}
            )
        finally:
            process.kill()
            process.wait(timeout=20)
            process.stdout.close()
        return endpoint.secret

    def test_without_a_key_the_secret_is_journaled_in_plain_text(self):
        secret = self.endpoint_then_kill()
        self.assertIn(secret.encode(), self.journal_bytes())

    def test_with_a_key_the_secret_is_sealed_and_signs_after_resume(self):
        secret = self.endpoint_then_kill("--journal-key", self.key_file)
        self.assertNotIn(secret.encode(), self.journal_bytes())
        self.assertNotIn(secret[len("whsec_"):].encode(), self.journal_bytes())
        # Without the key the sealed secret cannot be opened: the resume is refused, clearly.
        refused = subprocess.run(
            [BIN, "serve", "--port", "0", "--journal", "file:" + self.journal, "--resume", "--api-key", KEY],
            capture_output=True, text=True, timeout=60, env={k: v for k, v in os.environ.items() if k != "PAYSTORM_JOURNAL_KEY"},
        )
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("--journal-key", refused.stderr)
        process, base = start_server(
            "--journal", "file:" + self.journal, "--resume", "--api-key", KEY, "--journal-key", self.key_file
        )
        try:
            sdk = stripe.StripeClient(KEY, base_addresses={"api": base}, max_network_retries=0)
            sdk.v1.payment_intents.create(
                params={"amount": 900, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
            )
            deadline = time.time() + 10
            while not SignedReceiver.deliveries and time.time() < deadline:
                time.sleep(0.05)
            self.assertTrue(SignedReceiver.deliveries)
            headers, body = SignedReceiver.deliveries[0]
            event = stripe.Webhook.construct_event(body, headers["Stripe-Signature"], secret)
            self.assertTrue(event.id.startswith("evt_"))
        finally:
            self.assertEqual(stop_server(process), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
