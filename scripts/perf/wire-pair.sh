#!/usr/bin/env bash
# Black-friday over the wire, one run: a `paystorm serve` this script starts from SERVER_BINARY,
# and RUNNER_BINARY's `paystorm run SCENARIO --mode realtime --duration 60s --target` against it,
# with each side's CPU a payment (the runner's user + sys from /usr/bin/time, the server's
# utime + stime from /proc/PID/stat before and after the run) over the payments made (captured +
# authorized only + voided). Read latency is split three ways so that a slow read can be placed:
# the runner's wait for one of its connections, the time from its write to the answer, and the
# server's own time for a GET (paystorm_api_request_duration_seconds from /metrics, when the
# server has it; GETs include the journeys' final status checks).
# Usage: scripts/perf/wire-pair.sh LABEL SERVER_BINARY RUNNER_BINARY SCENARIO PORT [OUT_DIR]
#   SERVE_FLAGS: more flags for `paystorm serve`, split on spaces.
# Run it under the machine lock held exclusively when its seconds are to be quoted. Prints one
# block of lines starting with LABEL; leaves r.json, the summary and the server's log in OUT_DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/perf/server.sh
label="$1"
server="$2"
runner="$3"
scenario="$4"
port="$5"
out="${6:-${TMPDIR:-/tmp}/wire-pair-$label-$port}"
mkdir -p "$out"
read -r -a serveFlags <<<"${SERVE_FLAGS:-}"
"$server" serve --port "$port" --rate-limit 1000000 --rate-burst 1000000 "${serveFlags[@]}" \
    >"$out/serve.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
wait_for_server "$port" 200
uptimeBefore="$(uptime)"
before="$(server_cpu_ticks "$pid")"
status=0
/usr/bin/time -o "$out/time.txt" -f "%U user %S sys %e wall %M KB" "$runner" run "$scenario" \
    --mode realtime --duration 60s --target "http://127.0.0.1:$port" --json "$out/r.json" \
    >"$out/summary.txt" 2>&1 || status=$?
after="$(server_cpu_ticks "$pid")"
uptimeAfter="$(uptime)"
curl -s "http://127.0.0.1:$port/metrics" >"$out/metrics.txt" || true
kill "$pid"
wait "$pid" 2>/dev/null || true
trap - EXIT
echo "$label: serve flags: ${SERVE_FLAGS:-none}; uptime before: $uptimeBefore"
echo "$label: uptime after:  $uptimeAfter"
echo "$label: runner exit $status, $(cat "$out/time.txt" | tail -1), $(grep '^ *result:' "$out/summary.txt" || echo 'no result line')"
python3 - "$label" "$out" "$((after - before))" "$(getconf CLK_TCK)" <<'EOF'
import json, re, sys
label, out, ticks, clk = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
r = json.load(open(f"{out}/r.json"))
p = r["payments"]
payments = p["succeeded"] + p["authorized_only"] + p["voided"]
user, system = (float(x) for x in re.findall(r"([\d.]+) (?:user|sys)", open(f"{out}/time.txt").read())[:2])
server = ticks / clk
say = lambda text: print(f"{label}: {text}")
peak = max(r["stages"], key=lambda s: s["target_tps"])
say(f"peak stage {peak['stage']} ({peak['target_tps']:.0f} TPS): answered {peak['answered']} of "
    f"{peak['due']} ({peak['answered_to_due_ratio'] * 100:.2f}%); every stage: "
    + " / ".join(f"{s['answered_to_due_ratio'] * 100:.1f}" for s in r["stages"]))
broken = [i["name"] for i in r["invariants"] if not i["holds"]]
failed = [t.get("metric", "?") for t in r["thresholds"] if not t.get("passed", True)]
say(f"invariants broken: {broken or 'none'}; thresholds failed: {failed or 'none'}")
say(f"payments {payments} (attempted {p['attempted']}); CPU a payment: runner "
    f"{(user + system) * 1000 / payments:.3f} ms ({user:.1f} user + {system:.1f} sys), server "
    f"{server * 1000 / payments:.3f} ms ({server:.1f} s), total {(user + system + server) * 1000 / payments:.3f} ms")
ms = lambda s: f"{s['p50']:.1f} / {s['p99']:.1f}" if s else "-"
reads = r.get("reads") or []
sent = sum(k["sent"] for k in reads)
shed = sum(k["shed"] for k in reads)
failedReads = sum(k["failed"] for k in reads)
say(f"reads sent {sent}, shed by the runner {shed} ({shed * 100 / max(1, sent + shed):.2f}% of arrivals), "
    f"failed {failedReads}, not served {sum(k['not_served'] for k in reads)}, "
    f"{sum(k['succeeded'] for k in reads) / r['duration_seconds']:.0f}/s answered 2xx over the run")
for k in reads:
    say(f"  {k['kind']}: sent {k['sent']} ok {k['succeeded']} shed {k['shed']} failed {k['failed']} "
        f"{k.get('failed_by_status') or ''} p50 / p99 {ms(k['latency_ms'])} ms")
w = r.get("wire") or {}
journeys, readers = w.get("journeys_client") or {}, w.get("reads_client") or {}
say(f"answers lost {w.get('answers_lost')}; journeys' unanswered {journeys.get('unanswered_by_reason', '-')}; "
    f"reads' unanswered {readers.get('unanswered_by_reason', '-')}")
say(f"journeys' wait for a connection p50 / p99 {ms(journeys.get('connection_wait_ms'))} ms, sent to answered "
    f"{ms(journeys.get('answer_ms'))} ms; reads' wait {ms(readers.get('connection_wait_ms'))} ms, sent to answered "
    f"{ms(readers.get('answer_ms'))} ms")
# The server's own time by method, from its histogram's cumulative buckets.
buckets = {}
for line in open(f"{out}/metrics.txt"):
    m = re.match(r'paystorm_api_request_duration_seconds_bucket\{(.*)\} (\S+)', line)
    if not m:
        continue
    labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
    bound = float("inf") if labels["le"] == "+Inf" else float(labels["le"])
    buckets.setdefault(labels.get("method", "?"), []).append((bound, float(m.group(2))))
for method, rows in sorted(buckets.items()):
    rows.sort()
    total = rows[-1][1]
    if total == 0:
        continue
    at = lambda q: next(f"<= {b * 1000:g} ms" for b, c in rows if c >= q * total)
    say(f"server's own time, {method}: {total:.0f} requests, p50 {at(0.5)}, p99 {at(0.99)}")
if not buckets:
    say("server's own time: not on its /metrics")
EOF
