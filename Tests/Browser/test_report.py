"""The HTML reports of `paystorm run --report` and `paystorm swarm --report` in headless
Chromium: a short black-friday run's report (simulated mode, 20 s of run time) opens from a file
with no console error and nothing fetched, and every chart is drawn with data; a chaos run's
report shades its fault window on every chart; a swarm's report lists its seeds, failing first.

Run by scripts/test (PAYSTORM_BIN names the executable). A browser that cannot start fails the
suite: it is never skipped.
"""

import base64
import os
import re
import subprocess
import tempfile
import unittest

from selenium import webdriver
from selenium.webdriver.common.by import By

BIN = os.environ.get("PAYSTORM_BIN", ".build/debug/paystorm")
CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver")
SCREENSHOTS = os.environ.get("PAYSTORM_SCREENSHOTS", ".build/screenshots")
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
RUN_CHARTS = ["tps", "journeys", "latency", "outcomes", "declines", "fraud", "webhooks", "ledger", "memory", "cpu"]


def paystorm(*arguments):
    """Runs paystorm; returns its exit status, output and errors."""
    done = subprocess.run([BIN, *arguments], capture_output=True, text=True, timeout=900)
    return done.returncode, done.stdout, done.stderr


class Report(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.mkdtemp(prefix="paystorm-report-")
        cls.run_report = os.path.join(cls.directory, "black-friday.html")
        status, output, errors = paystorm(
            "run", os.path.join(ROOT, "scenarios/black-friday.yaml"), "--duration", "20s",
            "--report", cls.run_report, "--timeseries", os.path.join(cls.directory, "black-friday.csv"),
        )
        assert status == 0, output + errors
        cls.run_output = output
        cls.chaos_report = os.path.join(cls.directory, "outage.html")
        status, output, errors = paystorm(
            "run", os.path.join(ROOT, "scenarios/chaos-card-network-outage.yaml"), "--report", cls.chaos_report
        )
        assert status == 0, output + errors
        cls.swarm_report = os.path.join(cls.directory, "swarm.html")
        # A planted bug makes some seeds fail, so that the order of the table is seen.
        status, output, errors = paystorm(
            "swarm", os.path.join(ROOT, "scenarios/chaos-everything.yaml"), "--seeds", "1-6",
            "--plant-bug", "retry_authorization_after_timeout", "--report", cls.swarm_report,
        )
        assert status in (0, 1), output + errors
        cls.swarm_output = output
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in [
            "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
            "--window-size=1400,1000", "--force-device-scale-factor=1",
        ]:
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        cls.driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=CHROMEDRIVER), options=options)
        os.makedirs(SCREENSHOTS, exist_ok=True)

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()

    def open(self, path):
        self.driver.get_log("browser")  # What an earlier page logged is not this page's.
        self.driver.get("file://" + os.path.abspath(path))
        self.assertEqual(self.driver.execute_script("return document.readyState"), "complete")

    def assert_no_console_error(self):
        entries = self.driver.get_log("browser")
        errors = [entry for entry in entries if entry["level"] in ("SEVERE", "ERROR")]
        self.assertEqual(errors, [], "console errors: %r" % errors)

    def assert_nothing_fetched(self):
        fetched = self.driver.execute_script(
            "return performance.getEntriesByType('resource').map(function (r) { return r.name; })"
        )
        self.assertEqual(fetched, [], "the report fetched %r" % fetched)

    def chart(self, name):
        return self.driver.find_element(By.CSS_SELECTOR, "#chart-%s svg" % name)

    def shoot(self, name):
        size = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        shot = self.driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 6000), "scale": 1},
            },
        )
        with open(os.path.join(SCREENSHOTS, name + ".png"), "wb") as file:
            file.write(base64.b64decode(shot["data"]))

    def test_every_chart_of_a_black_friday_report_has_data(self):
        self.open(self.run_report)
        self.assert_no_console_error()
        self.assert_nothing_fetched()
        self.assertIn("black-friday", self.driver.title)
        self.assertEqual(self.driver.find_element(By.ID, "verdict").text, "PASS")
        for name in RUN_CHARTS:
            svg = self.chart(name)
            self.assertTrue(svg.is_displayed(), name)
            self.assertNotIn("No data yet", svg.text, name)
            lines = svg.find_elements(By.CSS_SELECTOR, "polyline, polygon")
            self.assertTrue(lines, "%s draws no line" % name)
            for line in lines:
                pairs = re.findall(r"-?[0-9.]+,-?[0-9.]+", line.get_attribute("points"))
                self.assertGreaterEqual(len(pairs), 2, name)
            points = svg.find_elements(By.CSS_SELECTOR, "circle.point")
            self.assertGreater(len(points), 10, name)
            values = [float(point.get_attribute("data-y")) for point in points]
            self.assertGreater(max(values), 0, "%s: every point is zero" % name)
            # The chart is laid out, not collapsed.
            self.assertGreater(svg.size["width"], 300, name)
            self.assertGreater(svg.size["height"], 150, name)
        # Stages are shaded on the throughput chart, and the rates reached the 2,000 TPS peak.
        tps = self.chart("tps")
        self.assertGreaterEqual(len(tps.find_elements(By.CSS_SELECTOR, "rect.band-stage")), 7)
        target = [
            float(point.get_attribute("data-y"))
            for point in tps.find_elements(By.CSS_SELECTOR, "circle.point[data-series='target TPS']")
        ]
        self.assertGreater(max(target), 1500)
        # Hover values are each mark's <title>.
        title = self.driver.execute_script(
            "return document.querySelector('#chart-latency circle.point title').textContent"
        )
        self.assertRegex(title, r"p50: [0-9.,]+ at [0-9]+s")
        for table in ["invariants", "thresholds", "counts-table", "payouts", "ledger", "stages"]:
            rows = self.driver.find_elements(By.CSS_SELECTOR, "#%s tbody tr" % table)
            self.assertTrue(rows, table)
        scenario = self.driver.find_element(By.ID, "scenario-text").text
        self.assertIn("name: black-friday", scenario)
        self.shoot("report-black-friday")

    def test_a_fault_window_is_shaded_on_every_chart(self):
        self.open(self.chaos_report)
        self.assert_no_console_error()
        for name in RUN_CHARTS:
            bands = self.chart(name).find_elements(By.CSS_SELECTOR, "rect.band-fault")
            labels = [band.get_attribute("data-label") for band in bands]
            self.assertTrue(any(label.startswith("network_outage visa") for label in labels), (name, labels))
        rows = self.driver.find_elements(By.CSS_SELECTOR, "#fault-windows tbody tr")
        self.assertGreaterEqual(len(rows), 1)
        self.shoot("report-chaos-outage")

    def test_a_swarm_report_lists_failing_seeds_first(self):
        self.open(self.swarm_report)
        self.assert_no_console_error()
        self.assert_nothing_fetched()
        rows = self.driver.find_elements(By.CSS_SELECTOR, "#seeds tbody tr")
        self.assertEqual(len(rows), 6)
        failed = [row.find_elements(By.TAG_NAME, "td")[1].text.startswith("✗") for row in rows]
        # Every failing seed before every passing one, and the summary agrees with the table.
        self.assertEqual(failed, sorted(failed, reverse=True))
        match = re.search(r"(\d+) seeds, (\d+) failed", self.swarm_output)
        self.assertIsNotNone(match, self.swarm_output)
        self.assertEqual(failed.count(True), int(match.group(2)))
        self.assertIn(True, failed)
        self.assertIn(False, failed)
        for row in rows:
            cells = row.find_elements(By.TAG_NAME, "td")
            # With a planted bug, a seed replays through the swarm command that plants it.
            self.assertIn("--seeds %s " % cells[0].text, cells[5].text)
            self.assertIn("--plant-bug retry_authorization_after_timeout", cells[5].text)
        self.assertTrue(self.driver.find_elements(By.CSS_SELECTOR, "#chart-payments circle.point"))
        self.shoot("report-swarm")


if __name__ == "__main__":
    unittest.main(verbosity=2)
