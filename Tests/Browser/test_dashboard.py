"""The merchant dashboard in headless Chromium (Debian's chromium and chromium-driver, driven by
Selenium): payments made through the API first, then everything a merchant does in the browser,
checked against the API's own answers. Screenshots of each page go to .build/screenshots/.

Run by scripts/test (PAYSTORM_BIN names the executable). A browser that cannot start fails the
suite: it is never skipped.
"""

import base64
import csv
import datetime
import http.server
import io
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "PythonSupport"))
from paystorm_server import start_server, stop_server  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver")
SCREENSHOTS = os.environ.get("PAYSTORM_SCREENSHOTS", ".build/screenshots")
KEY_A = "sk_test_browser_merchant_a"
KEY_B = "sk_test_browser_merchant_b"
SCRIPT = "<script>window.__xss = 1</script>"
WAIT_SECONDS = 15


class Receiver(http.server.BaseHTTPRequestHandler):
    """A webhook endpoint that answers 200 to everything."""

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *arguments):
        pass


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *arguments):
        return None


class Dashboard(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        threading.Thread(target=cls.receiver.serve_forever, daemon=True).start()
        hook = "http://127.0.0.1:%d/hook" % cls.receiver.server_address[1]
        cls.process, cls.base = start_server(
            "--api-key", KEY_A, "--api-key", KEY_B, "--webhook-url", hook,
            "--rate-limit", "10000", "--rate-burst", "10000",
            "--webhook-attempts", "2", "--webhook-backoff-milliseconds", "10",
        )
        try:
            cls.make_payments()
            cls.downloads = tempfile.mkdtemp(prefix="paystorm-downloads-")
            cls.driver = cls.start_browser(cls.downloads)
        except BaseException:
            stop_server(cls.process)
            raise
        os.makedirs(SCREENSHOTS, exist_ok=True)

    @classmethod
    def tearDownClass(cls):
        driver = getattr(cls, "driver", None)
        if driver is not None:
            driver.quit()
        stop_server(cls.process)
        cls.receiver.shutdown()
        shutil.rmtree(getattr(cls, "downloads", ""), ignore_errors=True)

    # MARK: The API, through urllib

    @classmethod
    def api(cls, method, path, params=None, key=KEY_A):
        data = None
        url = cls.base + path
        if params is not None and method == "GET":
            url += "?" + urllib.parse.urlencode(params)
        elif params is not None:
            data = urllib.parse.urlencode(params).encode()
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", "Basic " + base64.b64encode((key + ":").encode()).decode())
        try:
            with urllib.request.urlopen(request) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    @classmethod
    def pay(cls, amount, currency, method, key=KEY_A, **extra):
        params = {"amount": amount, "currency": currency, "confirm": "true"}
        if method == "card":
            params["payment_method_data[type]"] = "card"
            params["payment_method_data[card][number]"] = cls.fresh_card()
        else:
            params["payment_method"] = method
        params.update(extra)
        return cls.api("POST", "/v1/payment_intents", params, key=key)[1]

    cards_made = 0

    @classmethod
    def fresh_card(cls):
        """A Visa number not used before: the fraud engine declines a card seen too often
        (velocity), as a real one would, so payments that must succeed use a card each."""
        cls.cards_made += 1
        body = "4242424242%05d" % (cls.cards_made * 7919 % 100000)
        total = 0
        for index, digit in enumerate(reversed(body)):
            digit = int(digit) * (2 if index % 2 == 0 else 1)
            total += digit - 9 if digit > 9 else digit
        return body + str((10 - total % 10) % 10)

    @classmethod
    def make_payments(cls):
        status, endpoint = cls.api(
            "POST", "/v1/webhook_endpoints",
            {"url": "http://127.0.0.1:9/nobody-listens", "enabled_events[]": "payment_intent.succeeded"},
        )
        assert status == 200, endpoint
        cls.first = cls.pay(2000, "usd", "pm_card_visa", **{"metadata[order]": "1001"})
        cls.second = cls.pay(4500, "usd", "pm_card_mastercard")
        cls.euro = cls.pay(1500, "eur", "card")
        cls.yen = cls.pay(5000, "jpy", "pm_card_amex")
        cls.declined = cls.pay(3000, "usd", "pm_card_chargeDeclinedInsufficientFunds")
        cls.declined_generic = cls.pay(3100, "usd", "pm_card_chargeDeclined")
        cls.scripted = cls.pay(999, "usd", "card", **{"metadata[note]": SCRIPT, "description": SCRIPT})
        status, cls.debit = cls.api(
            "POST", "/v1/payment_intents",
            {
                "amount": 1234, "currency": "usd", "confirm": "true",
                "payment_method_data[type]": "card",
                "payment_method_data[card][number]": "4000056655665556",
            },
        )
        assert status == 200, cls.debit
        cls.manual = cls.pay(7000, "usd", "card", capture_method="manual")
        cls.disputed = cls.pay(2500, "usd", "pm_card_createDispute")
        # Enough for a second page of 25.
        cls.bulk = [cls.pay(100 + index, "usd", "card") for index in range(20)]
        cls.other = cls.pay(2000, "usd", "card", key=KEY_B)
        for intent in [cls.first, cls.second, cls.euro, cls.yen, cls.scripted, cls.manual, cls.disputed,
                       cls.other] + cls.bulk:
            assert intent.get("object") == "payment_intent", intent
        assert cls.declined["error"]["decline_code"] == "insufficient_funds", cls.declined
        status, _ = cls.api("GET", "/v1/disputes/dp_" + cls.disputed["id"][3:])
        assert status == 200

    @classmethod
    def all_of(cls, path, key=KEY_A):
        """Every object of a list endpoint, newest first, page by page."""
        objects, params = [], {"limit": 100}
        while True:
            _, page = cls.api("GET", path, params, key=key)
            objects += page["data"]
            if not page["has_more"]:
                return objects
            params["starting_after"] = page["data"][-1]["id"]

    @classmethod
    def all_intents(cls, key=KEY_A):
        return cls.all_of("/v1/payment_intents", key)

    @classmethod
    def all_events(cls, key=KEY_A):
        return cls.all_of("/v1/events", key)

    # MARK: The browser

    @staticmethod
    def start_browser(downloads):
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in [
            "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
            "--window-size=1280,1000", "--force-device-scale-factor=1",
        ]:
            options.add_argument(argument)
        options.add_experimental_option(
            "prefs", {"download.default_directory": downloads, "download.prompt_for_download": False}
        )
        driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=CHROMEDRIVER), options=options)
        driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
        return driver

    def open(self, path):
        self.driver.get(self.base + path)

    def wait(self, condition):
        """Waits for `condition`; an element read while the page is being replaced (after a
        form is sent) is read again on the next try."""
        return WebDriverWait(
            self.driver, WAIT_SECONDS, ignored_exceptions=[StaleElementReferenceException, NoSuchElementException]
        ).until(lambda driver: condition())

    def shoot(self, name):
        """A screenshot of the whole page (up to 4,000 pixels tall), not just the window."""
        size = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        shot = self.driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 4000), "scale": 1},
            },
        )
        with open(os.path.join(SCREENSHOTS, name + ".png"), "wb") as file:
            file.write(base64.b64decode(shot["data"]))

    def text(self, selector):
        return self.driver.find_element(By.CSS_SELECTOR, selector).text

    def sign_in(self, key=KEY_A, screenshot=None):
        self.driver.delete_all_cookies()
        self.open("/dashboard")
        self.assertTrue(self.driver.current_url.endswith("/dashboard/sign-in"), self.driver.current_url)
        if screenshot:
            self.shoot(screenshot)
        self.driver.find_element(By.ID, "key").send_keys(key)
        self.driver.find_element(By.CSS_SELECTOR, "#sign-in button[type=submit]").click()
        self.wait(lambda: self.driver.current_url == self.base + "/dashboard")

    def session_cookie(self):
        cookie = self.driver.get_cookie("paystorm_session")
        return None if cookie is None else cookie["value"]

    def fetch(self, path, cookie):
        """GET with a session cookie, outside the browser, without following redirects."""
        opener = urllib.request.build_opener(NoRedirect)
        request = urllib.request.Request(self.base + path, headers={"Cookie": "paystorm_session=" + cookie})
        try:
            with opener.open(request) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def listed_ids(self):
        return [row.get_attribute("data-id") for row in self.driver.find_elements(By.CSS_SELECTOR, "#payments tbody tr[data-id]")]

    # MARK: Tests, in name order

    def test_01_sign_in_and_see_the_overview_charts(self):
        self.sign_in(screenshot="01-sign-in")
        cookie = self.driver.get_cookie("paystorm_session")
        self.assertTrue(cookie["httpOnly"])
        self.assertEqual(cookie["sameSite"], "Strict")
        self.assertIn("expiry", cookie)
        intents = self.all_intents()
        authorized = [i for i in intents if i["status"] in ("succeeded", "requires_capture")]
        declined = [i for i in intents if i["status"] == "requires_payment_method"]
        self.assertEqual(len(declined), 2)
        self.assertEqual(self.text("#authorization-rate"), "%.1f%%" % (100.0 * len(authorized) / len(intents)))
        self.assertEqual(self.text("#disputes-open"), "1")
        # The count chart: one mark per minute per series, and the marks add up to the payments.
        marks = self.driver.find_elements(By.CSS_SELECTOR, "#count-chart svg circle[data-series='authorized']")
        self.assertEqual(len(marks), 60)
        self.assertEqual(sum(float(m.get_attribute("data-y")) for m in marks), len(authorized))
        declined_marks = self.driver.find_elements(By.CSS_SELECTOR, "#count-chart svg circle[data-series='declined']")
        self.assertEqual(sum(float(m.get_attribute("data-y")) for m in declined_marks), 2)
        self.assertEqual(len(self.driver.find_elements(By.CSS_SELECTOR, "#count-chart svg polyline")), 2)
        self.assertGreater(len(self.driver.find_elements(By.CSS_SELECTOR, "#count-chart svg text.tick")), 4)
        # Each mark's hover value is its <title>.
        busiest = max(marks, key=lambda m: float(m.get_attribute("data-y")))
        title = busiest.find_element(By.TAG_NAME, "title").get_attribute("textContent")
        self.assertTrue(title.startswith("%d authorized at " % int(float(busiest.get_attribute("data-y")))), title)
        # The volume chart: per currency, the marks add up to what the API says was received.
        for currency, exponent in [("USD", 2), ("EUR", 2), ("JPY", 0)]:
            marks = self.driver.find_elements(By.CSS_SELECTOR, ".volume-chart svg circle[data-series='%s']" % currency)
            received = sum(i["amount_received"] for i in intents if i["currency"] == currency.lower())
            drawn = sum(float(m.get_attribute("data-y")) for m in marks)
            self.assertAlmostEqual(drawn, received / 10 ** exponent, places=2, msg=currency)
        legend = [t.text for t in self.driver.find_elements(By.CSS_SELECTOR, ".volume-chart .legend-label")]
        self.assertEqual(legend, ["EUR", "JPY", "USD"])
        self.assertGreater(len(self.driver.find_elements(By.CSS_SELECTOR, "#latency-chart svg circle")), 0)
        gross = self.driver.find_element(By.CSS_SELECTOR, ".tile.volume[data-currency='EUR'] .figure").text
        self.assertEqual(gross, "15.00 EUR")
        self.assertIn("insufficient_funds", self.text("#declines"))
        self.assertIn("generic_decline", self.text("#declines"))
        self.shoot("02-overview")

    def test_02_payments_list_filters_and_pages(self):
        self.sign_in()
        intents = self.all_intents()
        self.open("/dashboard/payments")
        self.assertEqual(self.text("#total-count"), str(len(intents)))
        first_page = self.listed_ids()
        self.assertEqual(first_page, [i["id"] for i in intents][:25])
        self.shoot("03-payments")
        self.driver.find_element(By.ID, "next").click()
        self.wait(lambda: "starting_after=" in self.driver.current_url)
        second_page = self.listed_ids()
        self.assertEqual(first_page + second_page, [i["id"] for i in intents])
        self.driver.find_element(By.ID, "previous").click()
        self.wait(lambda: "ending_before=" in self.driver.current_url)
        self.assertEqual(self.listed_ids(), first_page)

        def filtered(**query):
            self.open("/dashboard/payments?" + urllib.parse.urlencode(query))
            return set(self.listed_ids())

        declined_ids = {i["id"] for i in intents if i["status"] == "requires_payment_method"}
        self.assertEqual(filtered(status="failed"), declined_ids)
        self.assertEqual(filtered(currency="eur"), {self.euro["id"]})
        self.assertEqual(filtered(currency="usd", amount_min="20", amount_max="45"),
                         {self.first["id"], self.second["id"], self.disputed["id"], self.declined["error"]["payment_intent"]["id"],
                          self.declined_generic["error"]["payment_intent"]["id"]})
        self.assertEqual(filtered(last4="5556"), {self.debit["id"]})
        self.assertEqual(filtered(brand="amex"), {self.yen["id"]})
        self.assertEqual(filtered(q=self.second["id"]), {self.second["id"]})
        self.assertEqual(filtered(status="uncaptured"), {self.manual["id"]})
        today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
        self.assertEqual(len(filtered(**{"from": today, "to": today})), 25)
        self.assertEqual(self.text("#total-count"), str(len(intents)))
        self.assertEqual(filtered(**{"from": "2001-01-01", "to": "2001-01-02"}), set())

        # The form itself: pick a status and a currency, apply, read the totals.
        self.open("/dashboard/payments")
        self.driver.find_element(By.CSS_SELECTOR, "select[name=currency] option[value=usd]").click()
        self.driver.find_element(By.CSS_SELECTOR, "select[name=status] option[value=succeeded]").click()
        self.driver.find_element(By.ID, "apply-filters").click()
        self.wait(lambda: "currency=usd" in self.driver.current_url)
        succeeded_usd = [i for i in intents if i["currency"] == "usd" and i["status"] == "succeeded"
                         and i["id"] != self.disputed["id"]]
        self.assertEqual(self.text("#total-count"), str(len(succeeded_usd)))
        total = sum(i["amount"] for i in succeeded_usd)
        self.assertEqual(
            self.text("#totals .total[data-currency='USD']"),
            "%d.%02d USD in %d" % (total // 100, total % 100, len(succeeded_usd)),
        )
        self.shoot("04-payments-filtered")

    def test_03_a_payment_timeline_and_refund(self):
        self.sign_in()
        payment = self.first["id"]
        self.open("/dashboard/payments/" + payment)
        self.assertEqual(self.text("#payment-id"), payment)
        self.assertEqual(self.text("#status"), "Succeeded")
        self.assertIn("visa •••• 4242", self.text("#card"))
        types = [li.get_attribute("data-type") for li in self.driver.find_elements(By.CSS_SELECTOR, "#timeline li[data-kind=event]")]
        self.assertEqual(types[0], "payment_intent.created")
        self.assertIn("payment_intent.succeeded", types)
        expected = [e["type"] for e in reversed(self.all_events()) if e["data"]["object"].get("id") == payment]
        self.assertEqual(types, expected)
        # The network's answer stands between the creation and the success it led to.
        everything = self.timeline()
        self.assertLess(everything.index("payment_intent.created"), everything.index("network.approved"))
        self.assertLess(everything.index("network.approved"), everything.index("payment_intent.succeeded"))
        # The webhook endpoint registered with --webhook-url answered each event: the
        # timeline shows the attempts once they are made.
        def delivered():
            self.open("/dashboard/payments/" + payment)
            return "HTTP 200" in self.text("#timeline")
        self.wait(delivered)
        self.shoot("05-payment")

        self.driver.find_element(By.CSS_SELECTOR, "#refund-form input[name=amount]").send_keys("5.00")
        self.driver.find_element(By.ID, "refund").click()
        self.wait(lambda: self.driver.find_elements(By.ID, "notice"))
        self.assertRegex(self.text("#notice"), r"^Refunded 5\.00 USD \(re_[0-9a-f]+\)\.$")
        self.assertEqual(self.text("#refunded"), "5.00 USD")
        self.assertEqual(self.text("#status"), "Partially refunded")
        _, refunds = self.api("GET", "/v1/refunds", {"payment_intent": payment})
        self.assertEqual([r["amount"] for r in refunds["data"]], [500])
        self.assertIn(refunds["data"][0]["id"], self.text("#refunds"))
        types = [li.get_attribute("data-type") for li in self.driver.find_elements(By.CSS_SELECTOR, "#timeline li[data-kind=event]")]
        self.assertIn("charge.refunded", types)
        self.shoot("06-payment-refunded")

        # The rest, with an empty amount: everything left.
        self.driver.find_element(By.ID, "refund").click()
        self.wait(lambda: self.text("#status") == "Refunded")
        _, refunds = self.api("GET", "/v1/refunds", {"payment_intent": payment})
        self.assertEqual(sorted(r["amount"] for r in refunds["data"]), [500, 1500])

    def test_04_capture_from_the_page(self):
        self.sign_in()
        self.open("/dashboard/payments/" + self.manual["id"])
        self.assertEqual(self.text("#status"), "Uncaptured")
        self.driver.find_element(By.CSS_SELECTOR, "#capture-form input[name=amount]").send_keys("60")
        self.driver.find_element(By.ID, "capture").click()
        self.wait(lambda: self.driver.find_elements(By.ID, "notice"))
        self.assertEqual(self.text("#notice"), "Captured.")
        _, intent = self.api("GET", "/v1/payment_intents/" + self.manual["id"])
        self.assertEqual((intent["status"], intent["amount_received"]), ("succeeded", 6000))
        self.assertEqual(self.text("#captured"), "60.00 USD")

    def test_05_submit_dispute_evidence(self):
        self.sign_in()
        dispute = "dp_" + self.disputed["id"][3:]
        self.open("/dashboard/disputes")
        row = self.driver.find_element(By.CSS_SELECTOR, "#disputes tr[data-id='%s']" % dispute)
        self.assertEqual(row.find_element(By.CSS_SELECTOR, ".dispute-status").text, "needs_response")
        self.shoot("07-disputes")
        form = self.driver.find_element(By.ID, "evidence-" + dispute)
        form.find_element(By.NAME, "product_description").send_keys("A pair of boots, delivered.")
        form.find_element(By.NAME, "uncategorized_text").send_keys("Tracking number 1Z999.")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        self.wait(lambda: self.driver.find_elements(By.ID, "notice"))
        self.assertEqual(self.text("#notice"), "Evidence submitted for %s: under_review." % dispute)
        row = self.driver.find_element(By.CSS_SELECTOR, "#disputes tr[data-id='%s']" % dispute)
        self.assertEqual(row.find_element(By.CSS_SELECTOR, ".dispute-status").text, "under_review")
        self.assertEqual(self.driver.find_elements(By.ID, "evidence-" + dispute), [])
        _, answer = self.api("GET", "/v1/disputes/" + dispute)
        self.assertEqual(answer["status"], "under_review")
        self.shoot("08-disputes-evidence-submitted")

    def test_06_csv_download_matches_the_api(self):
        self.sign_in()
        for query, keep in [("", lambda i: True), ("?currency=eur", lambda i: i["currency"] == "eur")]:
            for name in os.listdir(self.downloads):
                os.remove(os.path.join(self.downloads, name))
            self.open("/dashboard/payments" + query)
            self.driver.find_element(By.ID, "csv").click()
            path = os.path.join(self.downloads, "payments.csv")
            WebDriverWait(self.driver, WAIT_SECONDS).until(lambda _: os.path.exists(path))
            with open(path, newline="", encoding="utf-8") as file:
                rows = list(csv.DictReader(file))
            expected = [i for i in self.all_intents() if keep(i)]
            self.assertEqual(
                [(r["id"], int(r["amount"]), r["currency"], r["status"], int(r["amount_received"]), int(r["created"]))
                 for r in rows],
                [(i["id"], i["amount"], i["currency"], i["status"], i["amount_received"], i["created"])
                 for i in expected],
                query,
            )
            # Last4 only: no field but the id (14 hex digits) holds a run of 13 digits or more.
            for row in rows:
                self.assertRegex(row["card_last4"], r"^\d{4}$")
                self.assertNotRegex(",".join(v for k, v in row.items() if k != "id"), r"\d{13,}")

    def test_07_another_merchants_payment_is_not_found(self):
        self.sign_in()
        self.open("/dashboard/payments/" + self.other["id"])
        self.assertEqual(self.text("#problem"), "Not found")
        self.assertNotIn(self.other["id"], self.driver.page_source.replace("No such payment", ""))
        status, _, _ = self.fetch("/dashboard/payments/" + self.other["id"], self.session_cookie())
        self.assertEqual(status, 404)
        status, _, _ = self.fetch("/dashboard/payments/" + self.first["id"], self.session_cookie())
        self.assertEqual(status, 200)
        self.shoot("09-not-found")

    def test_08_script_in_metadata_is_text(self):
        self.sign_in()
        self.open("/dashboard/payments/" + self.scripted["id"])
        value = self.driver.find_element(By.CSS_SELECTOR, "#metadata .metadata-value").text
        self.assertEqual(value, SCRIPT)
        self.assertIsNone(self.driver.execute_script("return window.__xss"))
        self.assertEqual(self.driver.find_elements(By.TAG_NAME, "script"), [])
        self.open("/dashboard/payments?q=" + self.scripted["id"])
        self.assertEqual(self.text("#payments td.description"), SCRIPT)
        self.assertIsNone(self.driver.execute_script("return window.__xss"))
        self.shoot("10-script-as-text")

    def test_09_webhooks_show_deliveries_and_dead_letters(self):
        self.sign_in()

        def dead_lettered():
            self.open("/dashboard/webhooks")
            return "nobody-listens" in self.text("#dead-letters")
        self.wait(dead_lettered)
        self.assertEqual(len(self.driver.find_elements(By.CSS_SELECTOR, "#endpoints tbody tr")), 2)
        self.assertIn("HTTP 200", self.text("#deliveries"))
        self.assertIn("no answer", self.text("#deliveries"))
        self.assertIn("payment_intent.succeeded", self.text("#dead-letters"))
        self.shoot("11-webhooks")

        # Resend one: it leaves the list at once (and would come back after its new attempts).
        rows = self.driver.find_elements(By.CSS_SELECTOR, "#dead-letters tbody tr[data-event]")
        event = rows[0].get_attribute("data-event")
        rows[0].find_element(By.CSS_SELECTOR, "form.resend button").click()
        self.wait(lambda: self.driver.find_elements(By.ID, "notice"))
        self.assertTrue(self.text("#notice").startswith("Resent %s to we_" % event), self.text("#notice"))
        events = [r.get_attribute("data-event") for r in
                  self.driver.find_elements(By.CSS_SELECTOR, "#dead-letters tbody tr[data-event]")]
        self.assertNotIn(event, events)

    def test_10_sign_out_ends_the_session(self):
        self.sign_in()
        old = self.session_cookie()
        self.assertIsNotNone(old)
        self.driver.find_element(By.ID, "sign-out").click()
        self.wait(lambda: self.driver.current_url.endswith("/dashboard/sign-in"))
        self.assertIsNone(self.session_cookie())
        self.open("/dashboard/payments")
        self.assertTrue(self.driver.current_url.endswith("/dashboard/sign-in"))
        # The old cookie, presented again, opens nothing: the session is gone on the server.
        status, headers, _ = self.fetch("/dashboard/payments", old)
        self.assertEqual((status, headers["Location"]), (303, "/dashboard/sign-in"))
        self.driver.add_cookie({"name": "paystorm_session", "value": old, "path": "/dashboard"})
        self.open("/dashboard")
        self.assertTrue(self.driver.current_url.endswith("/dashboard/sign-in"))

    # MARK: Balance, keys, read-only sessions

    def sign_in_outside(self, key):
        """Signs in with urllib (the form's token and its cookie, then the key): the session
        cookie, or None when the key is refused."""
        opener = urllib.request.build_opener(NoRedirect)
        with opener.open(self.base + "/dashboard/sign-in") as response:
            page = response.read().decode()
            nonce = response.headers["Set-Cookie"].split(";")[0]
        token = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
        request = urllib.request.Request(
            self.base + "/dashboard/sign-in", data=urllib.parse.urlencode({"csrf": token, "key": key}).encode(),
            headers={"Cookie": nonce},
        )
        try:
            with opener.open(request) as response:
                return None
        except urllib.error.HTTPError as error:
            if error.code != 303:
                return None
            for header in error.headers.get_all("Set-Cookie"):
                if header.startswith("paystorm_session=") and not header.startswith("paystorm_session=;"):
                    return header.split(";")[0].split("=", 1)[1]
            return None

    def post_form(self, path, cookie, fields):
        """POSTs a dashboard form outside the browser with a session cookie."""
        opener = urllib.request.build_opener(NoRedirect)
        request = urllib.request.Request(
            self.base + path, data=urllib.parse.urlencode(fields).encode(),
            headers={"Cookie": "paystorm_session=" + cookie},
        )
        try:
            with opener.open(request) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def create_key(self, kind, name):
        """Creates a key on the keys page and returns its secret, read from the page that shows
        it once."""
        self.open("/dashboard/api-keys")
        form = self.driver.find_element(By.ID, "create-key")
        form.find_element(By.NAME, "name").send_keys(name)
        form.find_element(By.CSS_SELECTOR, "#key-kind option[value='%s']" % kind).click()
        self.driver.find_element(By.ID, "create-key-button").click()
        self.wait(lambda: self.driver.find_elements(By.ID, "new-secret"))
        return self.text("#new-secret")

    def key_row(self, secret):
        rows = [r for r in self.driver.find_elements(By.CSS_SELECTOR, "#api-keys tbody tr[data-id]")
                if r.find_element(By.CSS_SELECTOR, "code.token").text.endswith(secret[-4:])]
        self.assertEqual(len(rows), 1)
        return rows[0]

    def test_11_balance_transactions_per_day_with_fees_and_csv(self):
        self.sign_in()
        self.open("/dashboard/balance")
        transactions = self.all_of("/v1/balance_transactions")
        self.assertGreater(len(transactions), 10)
        self.assertEqual(self.text("#balance-count"), str(len(transactions)))
        # Per day and currency: the counts and fees add up to the API's transactions.
        days = self.driver.find_elements(By.CSS_SELECTOR, "#balance-days tbody tr[data-day]")
        expected = {}
        for t in transactions:
            key = (datetime.datetime.fromtimestamp(t["created"], datetime.timezone.utc).strftime("%Y-%m-%d"),
                   t["currency"].upper())
            count, fee, net = expected.get(key, (0, 0, 0))
            expected[key] = (count + 1, fee + t["fee"], net + t["net"])
        shown = {}
        for row in days:
            cells = row.find_elements(By.TAG_NAME, "td")
            shown[(row.get_attribute("data-day"), row.get_attribute("data-currency"))] = (
                int(cells[2].text), cells[4].text, cells[5].text)
        self.assertEqual(
            shown,
            {k: (c, "%.2f %s" % (f / 100, k[1]), "%.2f %s" % (n / 100, k[1])) for k, (c, f, n) in expected.items()},
        )
        # The first charge's fee: Stripe's 2.9% + 0.30 of 20.00 USD.
        charge = [t for t in transactions if t["source"] == "ch_" + self.first["id"][3:] and t["type"] == "charge"]
        self.assertEqual([t["fee"] for t in charge], [88])
        # Dated on the wall clock, as the payment is: not on the simulated run's 2026-01-01.
        self.assertLessEqual(abs(charge[0]["created"] - self.first["created"]), 600)
        row = self.driver.find_element(By.CSS_SELECTOR, "#balance-transactions tr[data-id='%s']" % charge[0]["id"])
        self.assertIn("0.88 USD", row.text)
        self.shoot("12-balance")

        # The CSV of a filtered set: the refunds, exactly the API's, in its order.
        self.open("/dashboard/balance?type=refund")
        self.assertEqual(self.text("#balance-count"), str(len([t for t in transactions if t["type"] == "refund"])))
        for name in os.listdir(self.downloads):
            os.remove(os.path.join(self.downloads, name))
        self.driver.find_element(By.ID, "balance-csv").click()
        path = os.path.join(self.downloads, "balance_transactions.csv")
        WebDriverWait(self.driver, WAIT_SECONDS).until(lambda _: os.path.exists(path))
        with open(path, newline="", encoding="utf-8") as file:
            rows = list(csv.DictReader(file))
        refunds = [t for t in transactions if t["type"] == "refund"]
        self.assertGreater(len(refunds), 0)
        self.assertEqual(
            [(r["id"], r["type"], int(r["amount"]), int(r["fee"]), int(r["net"]), r["source"]) for r in rows],
            [(t["id"], t["type"], t["amount"], t["fee"], t["net"], t["source"]) for t in refunds],
        )
        status, _, body = self.fetch("/dashboard/balance?currency=xyz", self.session_cookie())
        self.assertEqual(status, 200)
        self.assertIn("Unknown currency xyz.", body)

    def test_12_overview_shows_dispute_deadlines_and_next_payout(self):
        self.sign_in()
        dispute = "dp_" + self.disputed["id"][3:]
        row = self.driver.find_element(By.CSS_SELECTOR, "#open-disputes tr[data-id='%s']" % dispute)
        cells = [c.text for c in row.find_elements(By.TAG_NAME, "td")]
        opened = datetime.datetime.strptime(cells[3], "%Y-%m-%d %H:%M:%S")
        self.assertEqual(cells[4], (opened + datetime.timedelta(days=7)).strftime("%Y-%m-%d %H:%M:%S"))
        _, balance = self.api("GET", "/v1/balance")
        owed = sum(b["amount"] for b in balance["available"] + balance["pending"] if b["currency"] == "usd")
        self.assertGreater(owed, 0)
        self.assertEqual(self.text("#next-payout tr[data-currency='USD'] td"), "%.2f USD" % (owed / 100))
        self.shoot("13-overview-deadlines-payout")

    def test_13_a_key_is_shown_once_and_works(self):
        self.sign_in()
        secret = self.create_key("secret", "CI key")
        self.assertRegex(secret, r"^sk_test_[0-9a-f]{64}$")
        self.assertIn("not shown again", self.text("#notice"))
        self.shoot("14-api-key-created")
        status, page = self.api("GET", "/v1/payment_intents", {"limit": 1}, key=secret)
        self.assertEqual((status, page["object"]), (200, "list"))
        # A reload shows its last four characters only.
        self.open("/dashboard/api-keys")
        self.assertEqual(self.driver.find_elements(By.ID, "new-secret"), [])
        self.assertNotIn(secret, self.driver.page_source)
        self.assertNotIn(secret[8:-4], self.driver.page_source)
        row = self.key_row(secret)
        self.assertIn("CI key", row.text)
        self.assertEqual(row.find_element(By.CSS_SELECTOR, "code.token").text, "sk_test_…" + secret[-4:])
        self.shoot("15-api-keys")

    def test_14_a_rolled_key_stops_after_its_grace_period(self):
        self.sign_in()
        old = self.create_key("secret", "to roll")
        old_session = self.sign_in_outside(old)
        self.assertIsNotNone(old_session)
        self.open("/dashboard/api-keys")
        row = self.key_row(old)
        grace = row.find_element(By.NAME, "grace_seconds")
        grace.clear()
        grace.send_keys("5")
        rolled_at = time.time()
        row.find_element(By.CSS_SELECTOR, "form.roll button").click()
        self.wait(lambda: self.driver.find_elements(By.ID, "new-secret"))
        new = self.text("#new-secret")
        self.assertNotEqual(new, old)
        self.assertIn("stops working at", self.text("#notice"))
        self.assertIn("rolled to", self.key_row(old).text)
        # Within the grace period both keys work, and so does a session of the old one.
        self.assertEqual(self.api("GET", "/v1/balance", key=old)[0], 200)
        self.assertEqual(self.api("GET", "/v1/balance", key=new)[0], 200)
        self.assertEqual(self.fetch("/dashboard/payments", old_session)[0], 200)
        self.assertLess(time.time() - rolled_at, 5, "the checks within the grace period came too late")
        time.sleep(max(0, rolled_at + 6.5 - time.time()))
        status, error = self.api("GET", "/v1/balance", key=old)
        self.assertEqual(status, 401, error)
        self.assertEqual(self.api("GET", "/v1/balance", key=new)[0], 200)
        status, headers, _ = self.fetch("/dashboard/payments", old_session)
        self.assertEqual((status, headers["Location"]), (303, "/dashboard/sign-in"))
        self.assertIsNone(self.sign_in_outside(old))
        self.assertIsNotNone(self.sign_in_outside(new))
        self.open("/dashboard/api-keys")
        self.assertIn("expired", self.key_row(old).text)
        self.shoot("16-api-key-rolled")

    def test_15_a_read_key_reads_and_cannot_refund(self):
        import stripe

        self.sign_in()
        read_key = self.create_key("restricted_read", "Support")
        self.assertRegex(read_key, r"^rk_test_[0-9a-f]{64}$")
        payment = self.second["id"]
        # The API: reads answer, writes are refused with 403 (the SDK's PermissionError).
        status, intent = self.api("GET", "/v1/payment_intents/" + payment, key=read_key)
        self.assertEqual((status, intent["id"]), (200, payment))
        status, error = self.api("POST", "/v1/refunds", {"payment_intent": payment}, key=read_key)
        self.assertEqual(status, 403, error)
        client = stripe.StripeClient(read_key, base_addresses={"api": self.base})
        with self.assertRaises(stripe.PermissionError):
            client.v1.refunds.create(params={"payment_intent": payment})
        self.assertEqual(len(client.v1.payment_intents.list(params={"limit": 3}).data), 3)
        # The dashboard: signed in with it, no action is offered...
        self.sign_in(key=read_key)
        self.assertEqual(self.text("#read-only"), "read only")
        self.open("/dashboard/payments/" + payment)
        self.assertEqual(self.text("#payment-id"), payment)
        self.assertEqual(self.driver.find_elements(By.ID, "refund-form"), [])
        self.assertIn("Read only", self.text("#read-only-actions"))
        self.open("/dashboard/api-keys")
        self.assertEqual(self.driver.find_elements(By.ID, "create-key"), [])
        self.shoot("17-read-only-keys")
        self.open("/dashboard/payments/" + payment)
        self.shoot("18-read-only-payment")
        # ...and a refund form posted anyway, with the session's own token, is refused.
        token = self.driver.find_element(By.CSS_SELECTOR, "form.sign-out input[name=csrf]").get_attribute("value")
        cookie = self.session_cookie()
        status, body = self.post_form(
            "/dashboard/payments/%s/refund" % payment, cookie,
            {"csrf": token, "idempotency_key": "read-only-refund", "amount": "1.00"},
        )
        self.assertEqual(status, 403, body)
        status, _ = self.post_form("/dashboard/api-keys/create", cookie, {"csrf": token, "kind": "secret"})
        self.assertEqual(status, 403)
        _, refunds = self.api("GET", "/v1/refunds", {"payment_intent": payment})
        self.assertEqual(refunds["data"], [])

    def test_16_no_card_number_on_any_page(self):
        self.sign_in()
        numbers = ["4242424242424242", "4000056655665556", "5555555555554444", "378282246310005"]
        numbers += ["4242424242%05d" % (n * 7919 % 100000) for n in range(1, self.cards_made + 1)]
        pages = ["/dashboard", "/dashboard/payments", "/dashboard/balance", "/dashboard/disputes",
                 "/dashboard/webhooks", "/dashboard/api-keys", "/dashboard/payments.csv", "/dashboard/balance.csv"]
        pages += ["/dashboard/payments/" + i["id"] for i in [self.first, self.euro, self.debit, self.scripted]]
        cookie = self.session_cookie()
        for path in pages:
            status, _, body = self.fetch(path, cookie)
            self.assertEqual(status, 200, path)
            for number in numbers:
                # The Luhn digit is left off the generated ones: their prefix is enough.
                self.assertNotIn(number, body, path)
            self.assertNotRegex(re.sub(r"(pi|ch|dp|txn|re|po|evt|we)_[0-9a-f]+", "", body), r"\b\d{13,19}\b", path)

    def test_17_a_payments_ledger_entries_with_their_legs(self):
        self.sign_in()
        self.open("/dashboard/payments/" + self.second["id"])
        entries = self.driver.find_elements(By.CSS_SELECTOR, "#ledger-entries li.ledger-entry")
        self.assertGreater(len(entries), 0)
        legs_seen = []
        for entry in entries:
            legs = entry.find_elements(By.CSS_SELECTOR, "tr.leg")
            self.assertGreaterEqual(len(legs), 2)
            # Every transfer balances: its debits add up to its credits.
            debits = sum(int(l.get_attribute("data-amount")) for l in legs if l.get_attribute("data-side") == "debit")
            credits = sum(int(l.get_attribute("data-amount")) for l in legs if l.get_attribute("data-side") == "credit")
            self.assertEqual(debits, credits, entry.text)
            legs_seen += [(l.find_element(By.CSS_SELECTOR, ".account").text, l.get_attribute("data-side"),
                           int(l.get_attribute("data-amount"))) for l in legs]
        # The merchant's balance is credited its net, and the fee (2.9% + 0.30 of 45.00 USD) is
        # the processor's, as the balance transaction says.
        source = "ch_" + self.second["id"][3:]
        charge = [t for t in self.all_of("/v1/balance_transactions") if t["source"] == source and t["type"] == "charge"][0]
        merchant = [a for (a, side, amount) in legs_seen if side == "credit" and amount == charge["net"]]
        self.assertEqual(len(merchant), 1, legs_seen)
        self.assertIn(":USD", merchant[0])
        self.assertIn(("credit", charge["fee"]), [(side, amount) for (_, side, amount) in legs_seen])
        self.assertEqual(charge["fee"], 160)
        self.shoot("19-payment-ledger-entries")

    def timeline(self):
        """The data-type of every item of the open payment's timeline, in order."""
        return [li.get_attribute("data-type") for li in self.driver.find_elements(By.CSS_SELECTOR, "#timeline li")]

    def timeline_text(self, kind):
        return [li.find_element(By.CSS_SELECTOR, ".what").text
                for li in self.driver.find_elements(By.CSS_SELECTOR, "#timeline li[data-kind=%s]" % kind)]

    def test_18_timeline_shows_network_answers_and_3ds_steps(self):
        def challenged():
            intent = self.pay(1800, "usd", "pm_card_threeDSecure2Required")
            self.assertEqual(intent["status"], "requires_action", intent)
            return intent["id"]

        passed, failed, abandoned = challenged(), challenged(), challenged()
        self.assertEqual(self.api("POST", "/v1/test_helpers/three_d_secure/" + passed, {"outcome": "succeed"})[0], 200)
        self.assertEqual(self.api("POST", "/v1/test_helpers/three_d_secure/" + failed, {"outcome": "fail"})[0], 402)
        self.assertEqual(self.api("POST", "/v1/payment_intents/%s/cancel" % abandoned)[0], 200)
        self.sign_in()

        # Passed: challenge issued, then passed, then the network's approval, then success.
        self.open("/dashboard/payments/" + passed)
        items = self.timeline()
        order = ["payment_intent.requires_action", "3ds.challenge_issued", "3ds.passed", "network.approved",
                 "payment_intent.succeeded"]
        self.assertEqual([t for t in items if t in order], order, items)
        [answer] = self.timeline_text("network")
        self.assertRegex(answer, r"^approved \(auth code \w+\) in \d+\.\d\d ms$")
        self.shoot("20-payment-3ds-passed")

        # Failed: the network is never asked.
        self.open("/dashboard/payments/" + failed)
        items = self.timeline()
        self.assertIn("3ds.failed", items)
        self.assertNotIn("network.approved", items)
        self.assertLess(items.index("3ds.failed"), items.index("payment_intent.payment_failed"))

        # Abandoned: canceled while the challenge waited.
        self.open("/dashboard/payments/" + abandoned)
        items = self.timeline()
        self.assertLess(items.index("3ds.challenge_issued"), items.index("3ds.abandoned"))
        self.assertLess(items.index("3ds.abandoned"), items.index("payment_intent.canceled"))

        # A decline: the network's answer with its code.
        self.open("/dashboard/payments/" + self.declined["error"]["payment_intent"]["id"])
        [answer] = self.timeline_text("network")
        self.assertRegex(answer, r"^declined: insufficient_funds in \d+\.\d\d ms$")
        self.assertEqual(
            self.driver.find_element(By.CSS_SELECTOR, "#timeline li[data-kind=network]").get_attribute("data-type"),
            "network.declined")


if __name__ == "__main__":
    unittest.main(verbosity=2)
