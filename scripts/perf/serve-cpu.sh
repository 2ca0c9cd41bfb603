#!/usr/bin/env bash
# One wrk run against a `paystorm serve` this script starts, with the server's own CPU per
# request: its utime + stime from /proc/PID/stat from before wrk until the webhook sender has
# nothing left to send (the audit's delivered / dead-lettered counts unchanged for 2 s), divided
# by the requests answered. On a shared machine that is the figure to compare side by side;
# requests/s and latency are mostly the other processes' queueing.
# Usage: scripts/perf/serve-cpu.sh BINARY PORT MODE SECONDS [serve flags...]
#   MODE: hooks (create+confirm, every event POSTed to $WEBHOOK_URL), nohooks (create+confirm,
#   no endpoint) or retrieve (one PaymentIntent read again and again).
#   WEBHOOK_URL: a receiver answering 200 (Benchmarks/wrk/webhook-receiver.nginx.conf), default
#   http://127.0.0.1:8099/hook.
# Prints one line: load average, req/s, p50, p99, requests, non-2xx, deliveries (delivered,
# dead-lettered, failed attempts), server CPU in hundredths of a second and per request.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/perf/server.sh
bin="$1"
port="$2"
mode="$3"
seconds="$4"
shift 4
out="${TMPDIR:-/tmp}/serve-cpu-$port"
hook=()
if [ "$mode" = hooks ]; then hook=(--webhook-url "${WEBHOOK_URL:-http://127.0.0.1:8099/hook}"); fi
"$bin" serve --port "$port" --api-key sk_test_wrk_benchmark_key --rate-limit 1000000 --rate-burst 1000000 \
    "${hook[@]}" "$@" >"$out.serve.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
wait_for_server "$port" 100
script=Benchmarks/wrk/create-confirm.lua
url="http://127.0.0.1:$port/v1/payment_intents"
if [ "$mode" = retrieve ]; then
    curl -s -o /dev/null -u sk_test_wrk_benchmark_key: "$url" -d amount=2000 -d currency=usd \
        -d payment_method=pm_card_visa -d confirm=true
    script=Benchmarks/wrk/retrieve.lua
    url="$url/pi_00000000000001"
fi
load=$(cut -d' ' -f1 /proc/loadavg)
before=$(server_cpu_ticks "$pid")
wrk -t2 -c32 -d"${seconds}s" --latency -s "$script" "$url" >"$out.wrk.txt" 2>&1
previous=""
same=0
for _ in $(seq 1 120); do
    now=$(curl -s "http://127.0.0.1:$port/admin/audit" | python3 -c \
        'import sys, json; w = json.load(sys.stdin)["webhooks"]; print(w["delivered"], w["dead_lettered"], w["failed_attempts"])')
    if [ "$now" = "$previous" ]; then
        same=$((same + 1))
        [ "$same" -ge 2 ] && break
    else
        same=0
    fi
    previous=$now
    sleep 1
done
after=$(server_cpu_ticks "$pid")
requests=$(awk '/requests in/{print $1}' "$out.wrk.txt")
rps=$(awk '/Requests\/sec/{print $2}' "$out.wrk.txt")
p50=$(awk '$1=="50%"{print $2}' "$out.wrk.txt")
p99=$(awk '$1=="99%"{print $2}' "$out.wrk.txt")
non2xx=$(awk '/Non-2xx/{print $NF}' "$out.wrk.txt")
perRequest=$(python3 -c "print(round(($after - $before) * 10000 / $requests, 1))")
echo "$(date +%H:%M:%S) $(basename "$bin") $mode load=$load rps=$rps p50=$p50 p99=$p99" \
    "requests=$requests non2xx=${non2xx:-0} webhooks(delivered,dead,failed)=[$previous]" \
    "cpu_cs=$((after - before)) us/request=$perRequest"
