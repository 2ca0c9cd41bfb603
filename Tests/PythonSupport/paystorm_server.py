"""Starting and stopping `paystorm serve` for the Python suites (interop, browser): one
launcher, a free loopback port each time. PAYSTORM_BIN names the executable."""

import os
import re
import subprocess

BIN = os.environ.get("PAYSTORM_BIN", ".build/debug/paystorm")


def start_server(*arguments, stderr=subprocess.DEVNULL, port=0):
    """Starts `paystorm serve --port 0` (or on `port`, to restart a server where its clients
    expect it) and returns the process and its base URL; `stderr` is where its log goes (a
    file, to read it after)."""
    process = subprocess.Popen(
        [BIN, "serve", "--port", str(port), *arguments],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )
    line = process.stdout.readline()
    match = re.search(r"listening on (http://[0-9.]+:\d+)", line)
    if not match:
        process.kill()
        raise RuntimeError("paystorm serve did not start: %r" % line)
    return process, match.group(1)


def stop_server(process):
    """SIGTERM, and the exit status of the graceful stop."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    finally:
        process.stdout.close()
    return process.returncode
