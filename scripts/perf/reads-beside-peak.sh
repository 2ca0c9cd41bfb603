#!/usr/bin/env bash
# The seed's read traffic sent by wrk at a steady rate beside a black-friday run over the wire,
# window by window, so that the windows of the 2,000 TPS peak can be read apart from the quiet
# ones (a p99 over the whole minute would hide the peak's few seconds under the rest).
#
# One `paystorm serve` from BINARY on PORT, with a merchant (sk_test_perf_merchant) that
# scripts/perf/populate.lua fills with payments first; then BINARY's
# `paystorm run SCENARIO --mode realtime --duration 60s --target` against the same server
# (SCENARIO's own `reads:` taken out: wrk sends the reads here, and wrk's CPU a request is a
# fraction of the runner's), and beside it, every WINDOW seconds for as long as the run lasts,
# one wrk per read kind, each paced (scripts/perf/paced.lua: a tenth of its rate in
# connections, each sending its next request 100 ms after its last answer) to its share of READS_PER_SECOND in
# black-friday.yaml's mix: status checks 60% (retrieve one of the merchant's payments), list
# queries 23.3% (the API's search, status succeeded and created in the last hour, 25 rows),
# balance 10%, payouts 6.7%; and DASHBOARD_PER_SECOND of the dashboard's pages besides, when
# above 0, in four equal kinds: the payments list (25 rows) filtered by status and currency
# (`dashboard`), by an amount range in one currency (`dashboard_amount`: totals the index cannot
# keep, a walk over the merchant's payments), the status and currency filter's second page
# (`dashboard_older`, by its cursor), and the overview with its charts (`dashboard_overview`).
# Prints one line per window (its offset from the run's start, each kind's requests/s, p50 and
# p99), the worst p99 of the windows overlapping the peak stage, then the run's verdict.
# Usage: scripts/perf/reads-beside-peak.sh LABEL BINARY SCENARIO PORT [OUT_DIR]
#   READS_PER_SECOND (3000), DASHBOARD_PER_SECOND (0), WINDOW seconds (5), POPULATE seconds of
#   populate.lua (8).
# Run it under the machine lock held exclusively when its figures are to be quoted.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/perf/server.sh
label="$1"
binary="$2"
scenario="$3"
port="$4"
out="${5:-${TMPDIR:-/tmp}/reads-beside-peak-$label-$port}"
readsPerSecond="${READS_PER_SECOND:-3000}"
dashboardPerSecond="${DASHBOARD_PER_SECOND:-0}"
window="${WINDOW:-5}"
populate="${POPULATE:-8}"
key=sk_test_perf_merchant
base="http://127.0.0.1:$port"
mkdir -p "$out"
for tool in wrk curl python3; do
    command -v "$tool" >/dev/null || { echo "$tool is missing (bash .ci/install installs it)" >&2; exit 1; }
done

# The scenario without its reads: every top-level `reads:` block dropped, the rest as written.
awk '/^reads:/ { skip = 1; next } skip && /^[^ #]/ { skip = 0 } !skip' "$scenario" >"$out/scenario.yaml"

"$binary" serve --port "$port" --api-key "$key" --rate-limit 1000000 --rate-burst 1000000 \
    >"$out/serve.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
wait_for_server "$port" 200
wrk -t2 -c16 -d"${populate}s" -s scripts/perf/populate.lua "$base" -- "$key" >"$out/populate.txt"
stored="$(awk '/requests in/ { print $1 }' "$out/populate.txt")"
cookie="$(scripts/perf/dashboard-session.sh "$base" "$key")"
since=$(($(date +%s) - 3600))
payment="$(curl -s -H "Authorization: Bearer $key" "$base/v1/payment_intents?limit=1" |
    sed -n 's/.*"id" *: *"\(pi_[^"]*\)".*/\1/p' | head -1)"
[ -n "$payment" ] || { echo "no payment stored for $key" >&2; exit 1; }
# kind, requests/s, header (~ for a space), path
kinds=(
    "status $((readsPerSecond * 600 / 1000)) Authorization:~Bearer~$key /v1/payment_intents/$payment"
    "list $((readsPerSecond * 233 / 1000)) Authorization:~Bearer~$key /v1/payment_intents/search?limit=25&query=status%3A%27succeeded%27%20AND%20created%3E$since"
    "balance $((readsPerSecond * 100 / 1000)) Authorization:~Bearer~$key /v1/balance"
    "payouts $((readsPerSecond * 67 / 1000)) Authorization:~Bearer~$key /v1/payouts?limit=10"
)
if [ "$dashboardPerSecond" -gt 0 ]; then
    filtered="/dashboard/payments?status=succeeded&currency=usd"
    older="$(curl -s -H "Cookie: $cookie" "$base$filtered" | sed -n 's/.*href="\([^"]*\)" id="next".*/\1/p' | head -1)"
    older="${older//&amp;/\&}"
    [ -n "$older" ] || { echo "the dashboard's filtered list has no older page" >&2; exit 1; }
    share=$((dashboardPerSecond / 4))
    kinds+=(
        "dashboard $share Cookie:~$cookie $filtered"
        "dashboard_amount $share Cookie:~$cookie /dashboard/payments?currency=usd&amount_min=10&amount_max=100"
        "dashboard_older $share Cookie:~$cookie $older"
        "dashboard_overview $share Cookie:~$cookie /dashboard"
    )
fi
for entry in "${kinds[@]}"; do
    read -r kind rate header path <<<"$entry"
    curl -sf -o /dev/null -H "${header//\~/ }" "$base$path" || { echo "$kind: $path does not answer 2xx" >&2; exit 1; }
done
# 100 ms between a connection's answer and its next request: a kind's rate holds while its
# answers take well under that.
delay=100

uptimeBefore="$(uptime)"
before="$(server_cpu_ticks "$pid")"
start="$(date +%s.%N)"
/usr/bin/time -o "$out/time.txt" -f "%U user %S sys %e wall %M KB" "$binary" run "$out/scenario.yaml" \
    --mode realtime --duration 60s --target "$base" --json "$out/r.json" >"$out/summary.txt" 2>&1 &
runner=$!
index=0
while kill -0 "$runner" 2>/dev/null; do
    offset="$(echo "$(date +%s.%N) - $start" | bc)"
    pids=()
    for entry in "${kinds[@]}"; do
        read -r kind rate header path <<<"$entry"
        wrk -t1 -c"$((rate / 10 > 0 ? rate / 10 : 1))" -d"${window}s" --latency -s scripts/perf/paced.lua \
            -H "${header//\~/ }" "$base$path" -- "$delay" >"$out/$kind-$index.txt" &
        pids+=($!)
    done
    wait "${pids[@]}"
    echo "$index $offset" >>"$out/windows.txt"
    index=$((index + 1))
done
status=0
wait "$runner" || status=$?
uptimeAfter="$(uptime)"
after="$(server_cpu_ticks "$pid")"
kill "$pid"
wait "$pid" 2>/dev/null || true
trap - EXIT

echo "$label: $binary; $stored payments stored for $key first; reads $readsPerSecond/s," \
    "dashboard pages $dashboardPerSecond/s, each connection's requests ${delay} ms apart; uptime before: $uptimeBefore"
echo "$label: uptime after: $uptimeAfter"
echo "$label: server CPU over the run (payments and reads): $(echo "scale=1; ($after - $before) / $(getconf CLK_TCK)" | bc) s"
echo "$label: runner exit $status, $(tail -1 "$out/time.txt"), $(grep '^ *result:' "$out/summary.txt" || echo 'no result line')"
python3 - "$label" "$out" "$(printf '%s\n' "${kinds[@]}" | awk '{ print $1 }' | paste -sd,)" <<'EOF'
import json, re, sys
label, out, kinds = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
say = lambda text: print(f"{label}: {text}")
r = json.load(open(f"{out}/r.json"))
peak = max(r["stages"], key=lambda s: s["target_tps"])

def millis(text):
    value, unit = float(text[:-2] if text.endswith(("us", "ms")) else text[:-1]), text[-2:] if text.endswith(("us", "ms")) else text[-1:]
    return value * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]

def read(path):
    text = open(path).read()
    answered = int(re.search(r"(\d+) requests in", text).group(1))
    seconds = float(re.search(r"requests in ([\d.]+)s", text).group(1))
    p50 = millis(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1))
    p99 = millis(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    socket = re.search(r"Socket errors: (.*)", text)
    return answered / seconds, p50, p99, int(errors.group(1)) if errors else 0, socket.group(1) if socket else ""

worst = {kind: 0.0 for kind in kinds}
for line in open(f"{out}/windows.txt"):
    index, offset = line.split()
    offset = float(offset)
    inPeak = offset < peak["end_seconds"] and offset + 5 > peak["start_seconds"]
    cells = []
    for kind in kinds:
        rate, p50, p99, errors, socket = read(f"{out}/{kind}-{index}.txt")
        if inPeak:
            worst[kind] = max(worst[kind], p99)
        cells.append(f"{kind} {rate:.0f}/s {p50:.2f}/{p99:.2f} ms"
                     + (f" non-2xx {errors}" if errors else "") + (f" socket errors {socket}" if socket else ""))
    say(f"t={offset:5.1f}s{' PEAK' if inPeak else '     '} " + " | ".join(cells))
say(f"peak stage {peak['stage']} ({peak['target_tps']:.0f} TPS, {peak['start_seconds']}-{peak['end_seconds']} s): "
    f"answered {peak['answered_to_due_ratio'] * 100:.2f}% of its due; every stage: "
    + " / ".join(f"{s['answered_to_due_ratio'] * 100:.1f}" for s in r["stages"]))
say("worst p99 of a window overlapping the peak: " + ", ".join(f"{kind} {worst[kind]:.2f} ms" for kind in kinds))
broken = [i["name"] for i in r["invariants"] if not i["holds"]]
failed = [t.get("metric", "?") for t in r["thresholds"] if not t.get("passed", True)]
p = r["payments"]
say(f"payments {p['succeeded'] + p['authorized_only'] + p['voided']} (attempted {p['attempted']})")
say(f"invariants broken: {broken or 'none'}; thresholds failed: {failed or 'none'}")
EOF
