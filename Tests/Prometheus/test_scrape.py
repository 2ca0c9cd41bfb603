"""A real Prometheus (Debian's `prometheus`) scrapes a realtime run's `/metrics`, and its query
API answers the payment counter; `promtool check metrics` accepts the exposition.

Run by scripts/test (PAYSTORM_BIN names the executable). Fails, never skips, when prometheus or
promtool is missing.
"""

import json
import os
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

BIN = os.environ.get("PAYSTORM_BIN", ".build/debug/paystorm")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


def wait_for(check, seconds, what):
    deadline = time.time() + seconds
    last = None
    while time.time() < deadline:
        try:
            result = check()
            if result:
                return result
        except OSError as error:
            last = error
        time.sleep(0.25)
    raise AssertionError("timed out waiting for %s (last error: %r)" % (what, last))


class PrometheusScrapeTest(unittest.TestCase):
    def test_prometheus_scrapes_a_realtime_run(self):
        metrics_port = free_port()
        run = subprocess.Popen(
            [
                BIN, "run", "scenarios/smoke.yaml", "--mode", "realtime", "--duration", "40s",
                "--metrics-address", "127.0.0.1:%d" % metrics_port,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        directory = tempfile.TemporaryDirectory()
        prometheus = None
        try:
            metrics_url = "http://127.0.0.1:%d/metrics" % metrics_port
            exposition = wait_for(
                lambda: (lambda text: text if "paystorm_authorize_duration_seconds_count" in text else None)(
                    get(metrics_url)
                ),
                30,
                "an authorization's latency on " + metrics_url,
            )
            check = subprocess.run(
                ["promtool", "check", "metrics"], input=exposition, capture_output=True, text=True
            )
            self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
            self.assertIn("# TYPE paystorm_authorize_duration_seconds histogram", exposition)
            self.assertIn("process_resident_memory_bytes", exposition)

            prometheus_port = free_port()
            config = os.path.join(directory.name, "prometheus.yml")
            with open(config, "w") as file:
                file.write(
                    "global: {scrape_interval: 1s}\n"
                    "scrape_configs:\n"
                    "  - job_name: paystorm\n"
                    "    static_configs: [{targets: ['127.0.0.1:%d']}]\n" % metrics_port
                )
            prometheus = subprocess.Popen(
                [
                    "prometheus", "--config.file=" + config,
                    "--storage.tsdb.path=" + os.path.join(directory.name, "data"),
                    "--web.listen-address=127.0.0.1:%d" % prometheus_port,
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

            def query(expression):
                url = "http://127.0.0.1:%d/api/v1/query?%s" % (
                    prometheus_port, urllib.parse.urlencode({"query": expression})
                )
                answer = json.loads(get(url))
                results = answer["data"]["result"]
                return float(results[0]["value"][1]) if results else None

            succeeded = wait_for(
                lambda: (lambda value: value if value and value > 0 else None)(
                    query('sum(paystorm_payments_total{outcome="succeeded"})')
                ),
                30,
                "Prometheus to hold a scraped payment counter",
            )
            self.assertGreater(succeeded, 0)
            self.assertEqual(query('up{job="paystorm"}'), 1.0)
            self.assertGreater(query("sum(paystorm_authorize_duration_seconds_count)"), 0)
            self.assertGreater(query("sum(paystorm_ledger_transfers_total)"), 0)
            # The runner's own figures: arrivals due (dispatched, dropped), answered, in flight.
            dispatched = query('paystorm_arrivals_total{result="dispatched"}')
            self.assertGreater(dispatched, 0)
            self.assertEqual(query('paystorm_arrivals_total{result="dropped"}'), 0.0)
            answered = query("paystorm_arrivals_answered_total")
            self.assertGreater(answered, 0)
            self.assertLessEqual(answered, dispatched)
            in_flight = query("paystorm_journeys_in_flight")
            waiting = query("paystorm_journeys_waiting")
            self.assertIsNotNone(waiting)
            self.assertLessEqual(waiting, in_flight)
        finally:
            if prometheus:
                prometheus.terminate()
                prometheus.wait(timeout=20)
            run.terminate()
            run.wait(timeout=20)
            directory.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
