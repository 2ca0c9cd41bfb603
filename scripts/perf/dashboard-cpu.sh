#!/usr/bin/env bash
# The server's CPU a dashboard page: one `paystorm serve` from BINARY on PORT, a merchant filled
# with payments by scripts/perf/populate.lua for POPULATE seconds (8), signed in, then PATH
# fetched by wrk on 4 connections flat out for 10 s; prints the pages served and the server's
# user + system CPU over them, a page. PATH defaults to the payments list filtered by status
# and currency (25 rows). With PERF=1, `perf record -g` samples the server meanwhile
# (OUT_DIR/perf.data). Run it under the machine lock held exclusively when its figures are quoted.
# Usage: scripts/perf/dashboard-cpu.sh BINARY PORT OUT_DIR [PATH]
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/perf/server.sh
binary="$1"
port="$2"
out="$3"
path="${4:-/dashboard/payments?status=succeeded&currency=usd}"
populate="${POPULATE:-8}"
key=sk_test_perf_merchant
base="http://127.0.0.1:$port"
mkdir -p "$out"
"$binary" serve --port "$port" --api-key "$key" --rate-limit 1000000 --rate-burst 1000000 \
    >"$out/serve.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
wait_for_server "$port" 200
wrk -t2 -c16 -d"${populate}s" -s scripts/perf/populate.lua "$base" -- "$key" >"$out/populate.txt"
cookie="$(scripts/perf/dashboard-session.sh "$base" "$key")"
curl -sf -H "Cookie: $cookie" "$base$path" >"$out/page.html"
before="$(server_cpu_ticks "$pid")"
if [ -n "${PERF:-}" ]; then
    perf record -e cpu-clock -g -p "$pid" -o "$out/perf.data" -- sleep 10 >/dev/null 2>&1 &
    perfPID=$!
fi
wrk -t1 -c4 -d10s --latency -H "Cookie: $cookie" "$base$path" >"$out/wrk.txt"
after="$(server_cpu_ticks "$pid")"
if [ -n "${PERF:-}" ]; then wait "$perfPID" || true; fi
stored="$(awk '/requests in/ { print $1 }' "$out/populate.txt")"
pages="$(awk '/requests in/ { print $1 }' "$out/wrk.txt")"
echo "$binary: $stored payments stored; $pages pages of $path in 10 s;" \
    "server CPU a page $(echo "scale=1; ($after - $before) * 1000000 / $(getconf CLK_TCK) / $pages" | bc) us"
